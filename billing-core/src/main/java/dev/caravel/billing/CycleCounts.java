package dev.caravel.billing;

/** What one {@link Billing#countCycle} did. */
public record CycleCounts(
    int tenantsVisited, int invoicesCreated, int payments, int paid, int failures) {}
