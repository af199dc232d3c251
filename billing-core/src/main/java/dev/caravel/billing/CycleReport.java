package dev.caravel.billing;

import java.util.List;

/** What one {@link Billing#runCycle} did. */
public record CycleReport(
    int tenantsVisited, List<Invoice> invoicesCreated, List<PaymentResult> payments, int failures) {
  public CycleReport {
    invoicesCreated = List.copyOf(invoicesCreated);
    payments = List.copyOf(payments);
  }
}
