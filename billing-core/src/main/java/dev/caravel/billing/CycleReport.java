package dev.caravel.billing;

import java.util.List;

/** What one {@link Billing#runCycle} did. */
public record CycleReport(
    int tenantsVisited, List<Invoice> invoicesCreated, List<PaymentResult> payments, int failures) {
  public CycleReport {
    invoicesCreated = List.copyOf(invoicesCreated);
    payments = List.copyOf(payments);
  }

  /**
   * What one {@link Billing#countCycle} did: the same cycle as a report's, counted, so its size
   * does not grow with the day's invoices. {@code payments} counts the payment results, {@code
   * paid} those that paid.
   */
  public record Counts(
      int tenantsVisited, int invoicesCreated, int payments, int paid, int failures) {}
}
