package dev.caravel.billing.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

class ClosesAcrossInstancesH2Test extends ClosesAcrossInstancesContract {
  private JdbcDataSource database;

  @Override
  void openDatabase() {
    database = Databases.newH2();
  }

  @Override
  DataSource newPool(int size) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(database);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    return new HikariDataSource(config);
  }

  @Override
  void closeDatabase() {
    Databases.shutdownH2(database);
  }
}
