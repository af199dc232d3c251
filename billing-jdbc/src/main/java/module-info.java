/** The ledger's Repository over JDBC: PostgreSQL in production, H2 embedded. */
module dev.caravel.billing.jdbc {
  requires transitive dev.caravel.billing;
  requires transitive java.sql;

  exports dev.caravel.billing.jdbc;
}
