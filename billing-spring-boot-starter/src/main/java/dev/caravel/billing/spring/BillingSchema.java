package dev.caravel.billing.spring;

/**
 * How the ledger's schema was brought up to date before the repository was made; a host that
 * migrates some other way declares its own bean.
 */
public record BillingSchema(String migratedBy) {
  /** Flyway, from {@code classpath:db/migration/{vendor}}. */
  public static final String FLYWAY = "flyway";

  /** {@code JdbcRepository.migrate}. */
  public static final String BUILT_IN = "built-in";

  /** Nobody here: the host migrates. */
  public static final String NONE = "none";
}
