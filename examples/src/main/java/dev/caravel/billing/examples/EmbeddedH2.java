package dev.caravel.billing.examples;

import dev.caravel.billing.jdbc.JdbcRepository;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * A private in-memory H2 database with the billing schema, for the demo and the replay. It lives
 * while this object is open (one connection holds it) and vanishes on {@link #close()}.
 */
final class EmbeddedH2 implements AutoCloseable {
  private final JdbcDataSource dataSource = new JdbcDataSource();
  private final Connection keeper;

  EmbeddedH2(String name) {
    // No DB_CLOSE_DELAY: the database ends when its last connection (the keeper) closes.
    dataSource.setURL("jdbc:h2:mem:" + name + "-" + UUID.randomUUID());
    try {
      keeper = dataSource.getConnection();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "could not open the embedded H2 database: " + e.getMessage(), e);
    }
    JdbcRepository.migrate(dataSource);
  }

  DataSource dataSource() {
    return dataSource;
  }

  JdbcRepository repository() {
    return new JdbcRepository(dataSource);
  }

  @Override
  public void close() {
    try {
      keeper.close();
    } catch (SQLException e) {
      // an in-memory database that failed to close leaks nothing outside this JVM
    }
  }
}
