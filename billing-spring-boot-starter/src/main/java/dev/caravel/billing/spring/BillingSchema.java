package dev.caravel.billing.spring;

/**
 * How the ledger's schema was brought up to date before the repository was made; a host that
 * migrates some other way declares its own bean. Billing's scripts come from {@code
 * classpath:db/caravel-billing/{vendor}} and are recorded in {@code caravel_billing_schema_history}
 * either way.
 */
public record BillingSchema(String migratedBy) {
  /** The starter's own Flyway (Flyway on the class path), beside any Flyway of the host's. */
  public static final String FLYWAY = "flyway";

  /** {@code JdbcRepository.migrate}. */
  public static final String BUILT_IN = "built-in";

  /** Nobody here: the host migrates. */
  public static final String NONE = "none";
}
