package dev.caravel.billing.nwc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.InvalidInputException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a wallet says of a connection's budget ({@code get_budget}, NIP-47).
 *
 * @param usedMsats spent in the current period
 * @param totalMsats the limit per period
 * @param renewsAt when the period starts again, if the wallet says
 * @param renewal the period, if the wallet says
 */
public record NwcBudget(
    long usedMsats, long totalMsats, Optional<Instant> renewsAt, Optional<BudgetRenewal> renewal) {
  public NwcBudget {
    if (usedMsats < 0 || totalMsats < 0) {
      throw new IllegalArgumentException("budget amounts must not be negative");
    }
    Objects.requireNonNull(renewsAt, "renewsAt");
    Objects.requireNonNull(renewal, "renewal");
  }

  /** What is left to spend in this period (never below zero). */
  public long remainingMsats() {
    return Math.max(0, totalMsats - usedMsats);
  }

  /** Whether a payment of {@code msats} fits in what is left. */
  public boolean allows(long msats) {
    return msats <= remainingMsats();
  }

  /**
   * Reads a {@code get_budget} result: {@code used_budget}, {@code total_budget} (msats), {@code
   * renews_at}, {@code renewal_period}. Empty when the wallet says there is no budget ({@code {}}).
   *
   * @throws NwcException BAD_RESPONSE when an amount is not a non-negative whole number
   */
  static Optional<NwcBudget> ofResult(JsonNode result) {
    if (!result.has("total_budget") && !result.has("used_budget")) {
      return Optional.empty();
    }
    long total = msats(result, "total_budget");
    long used = result.has("used_budget") ? msats(result, "used_budget") : 0;
    JsonNode renews = result.get("renews_at");
    Optional<Instant> renewsAt =
        renews != null && renews.isIntegralNumber() && renews.canConvertToLong()
            ? Optional.of(Instant.ofEpochSecond(renews.longValue()))
            : Optional.empty();
    Optional<BudgetRenewal> renewal = Optional.empty();
    if (result.path("renewal_period").isTextual()) {
      try {
        renewal = Optional.of(BudgetRenewal.ofWire(result.path("renewal_period").asText()));
      } catch (InvalidInputException e) {
        // a period this library does not know: the amounts still hold
      }
    }
    return Optional.of(new NwcBudget(used, total, renewsAt, renewal));
  }

  private static long msats(JsonNode result, String field) {
    JsonNode n = result.get(field);
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
      throw new NwcException(
          NwcException.Code.BAD_RESPONSE,
          "get_budget: the wallet's " + field + " is not a non-negative whole number");
    }
    return n.longValue();
  }
}
