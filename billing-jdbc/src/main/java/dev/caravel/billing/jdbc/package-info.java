/**
 * The ledger's {@link dev.caravel.billing.spi.Repository} over JDBC: PostgreSQL for production, H2
 * embedded, with versioned migrations ({@link dev.caravel.billing.jdbc.JdbcRepository#migrate}).
 */
package dev.caravel.billing.jdbc;
