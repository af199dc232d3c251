package dev.caravel.billing.spring;

import java.util.Objects;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * The poll's health: {@code DOWN} when the last cycle threw or reported failures, or the backlog
 * cannot be counted; {@code UNKNOWN} before the first cycle; {@code UP} otherwise. Details: the
 * last cycle's time, duration, failures and counts (tenants visited, invoices created, payment
 * results, paid), failures and cycles so far, the last error, and the due and overdue invoices
 * (counted on each call, up to {@code caravel.billing.health.backlog-limit}). With the rails known,
 * {@code rails} lists the wired ones, and {@code warning} says so when none is: the status is left
 * to the cycles, as a host may bill without collecting, but the details tell the operator that no
 * invoice reaches a tenant.
 */
public class BillingHealthIndicator extends AbstractHealthIndicator {
  private final BillingStatus status;
  private final BillingRails rails;

  public BillingHealthIndicator(BillingStatus status) {
    this(status, null);
  }

  /**
   * @param rails what the engine can reach tenants with; {@code null} when unknown (no detail)
   */
  public BillingHealthIndicator(BillingStatus status, BillingRails rails) {
    super("Caravel Billing health check failed");
    this.status = Objects.requireNonNull(status, "status");
    this.rails = rails;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    BillingStatus.Backlog backlog = status.refreshBacklog();
    if (status.lastCycleAt().isEmpty()) {
      builder.unknown().withDetail("lastCycle", "none yet");
    } else if (status.lastCycleFailures() > 0) {
      builder.down();
    } else {
      builder.up();
    }
    status.lastCycleAt().ifPresent(t -> builder.withDetail("lastCycle", t.toString()));
    status.lastCycleDuration().ifPresent(d -> builder.withDetail("lastCycleMillis", d.toMillis()));
    builder
        .withDetail("lastCycleFailures", status.lastCycleFailures())
        .withDetail("failures", status.failures())
        .withDetail("cycles", status.cycles())
        .withDetail("dueInvoices", backlog.due())
        .withDetail("overdueInvoices", backlog.overdue());
    status
        .lastCycleCounts()
        .ifPresent(
            c ->
                builder
                    .withDetail("lastCycleTenants", c.tenantsVisited())
                    .withDetail("lastCycleInvoices", c.invoicesCreated())
                    .withDetail("lastCyclePayments", c.payments())
                    .withDetail("lastCyclePaid", c.paid()));
    status.lastError().ifPresent(e -> builder.withDetail("lastError", e));
    if (rails != null) {
      builder.withDetail("rails", rails.wired());
      if (rails.none()) {
        builder.withDetail("warning", BillingRails.NONE_WIRED);
      }
    }
  }
}
