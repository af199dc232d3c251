package dev.caravel.billing.stripe;

import java.util.Objects;
import java.util.Optional;

/** What applying a completed card setup (its {@code checkout.session.completed}) did. */
public sealed interface CardSetupOutcome {

  /**
   * The new card is the customer's default for off-session charges ({@code
   * invoice_settings.default_payment_method}), so the next round charges it. {@code replaced} is
   * the card it took over from, now detached from the customer (empty when the default was none, a
   * card detached already, or not a card). {@code already}: the card was the default before (a
   * redelivery), and nothing changed.
   */
  record DefaultSet(
      String customerId, String paymentMethodId, Optional<String> replaced, boolean already)
      implements CardSetupOutcome {
    public DefaultSet {
      Objects.requireNonNull(customerId, "customerId");
      Objects.requireNonNull(paymentMethodId, "paymentMethodId");
      Objects.requireNonNull(replaced, "replaced");
    }
  }

  /**
   * The setup is older than the customer's state: its card was removed since, or a newer card was
   * saved since. Nothing changed, so a late or repeated delivery never brings an old card back.
   */
  record Superseded(String customerId, String paymentMethodId, String why)
      implements CardSetupOutcome {
    public Superseded {
      Objects.requireNonNull(customerId, "customerId");
      Objects.requireNonNull(paymentMethodId, "paymentMethodId");
      Objects.requireNonNull(why, "why");
    }
  }

  /**
   * Not a card setup this library started (another mode, no customer, no marker), or one that did
   * not save a card (its SetupIntent did not succeed), or the customer is gone. Nothing changed.
   */
  record Ignored(String why) implements CardSetupOutcome {
    public Ignored {
      Objects.requireNonNull(why, "why");
    }
  }
}
