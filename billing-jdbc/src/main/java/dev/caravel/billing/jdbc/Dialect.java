package dev.caravel.billing.jdbc;

import dev.caravel.billing.StorageException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/** The few statements that differ between the databases we support; everything else is shared SQL. */
enum Dialect {
  POSTGRESQL(
      "postgresql",
      "varchar",
      "TIMESTAMPTZ",
      "INSERT INTO billing_tenant (pubkey, sealed_nwc_uri, stripe_customer_id) VALUES (?, ?, ?) "
          + "ON CONFLICT (pubkey) DO UPDATE SET sealed_nwc_uri = EXCLUDED.sealed_nwc_uri, "
          + "stripe_customer_id = EXCLUDED.stripe_customer_id"),
  H2(
      "h2",
      "VARCHAR",
      "TIMESTAMP WITH TIME ZONE",
      "MERGE INTO billing_tenant (pubkey, sealed_nwc_uri, stripe_customer_id) KEY (pubkey) VALUES (?, ?, ?)");

  /** Folder under {@code db/migration/} holding this dialect's versioned scripts. */
  final String migrationFolder;
  /** Element type name for {@link Connection#createArrayOf}, bound to {@code = ANY(?)}. */
  final String textArrayType;
  /** The type a bound instant is cast to where the driver cannot infer it (inside CASE). */
  final String timestampType;
  /** Creates a tenant or replaces its payment details, leaving its billing state alone. */
  final String saveTenantSql;

  Dialect(String migrationFolder, String textArrayType, String timestampType, String saveTenantSql) {
    this.migrationFolder = migrationFolder;
    this.textArrayType = textArrayType;
    this.timestampType = timestampType;
    this.saveTenantSql = saveTenantSql;
  }

  static Dialect of(Connection connection) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName();
    String name = product == null ? "" : product.toLowerCase(Locale.ROOT);
    if (name.contains("postgres")) {
      return POSTGRESQL;
    }
    if (name.equals("h2")) {
      return H2;
    }
    throw new StorageException("unsupported database \"" + product + "\": billing-jdbc supports PostgreSQL and H2");
  }
}
