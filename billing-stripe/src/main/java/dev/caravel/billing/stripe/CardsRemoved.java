package dev.caravel.billing.stripe;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What removing a customer's cards did: the card PaymentMethods detached (none when there were
 * none), and the invoice default cleared, so no round charges a card any more.
 *
 * <p>{@code legacySource} is a card the customer still holds as a legacy {@code default_source}
 * (the Sources API), which {@link StripeGateway#savedPaymentMethod} would still charge; this
 * library does not delete sources, so the host must (or tell the tenant the card is still there).
 */
public record CardsRemoved(
    String customerId, List<String> detached, Optional<String> legacySource) {
  public CardsRemoved {
    Objects.requireNonNull(customerId, "customerId");
    detached = List.copyOf(detached);
    Objects.requireNonNull(legacySource, "legacySource");
  }
}
