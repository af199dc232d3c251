package dev.caravel.billing;

/**
 * A rail could not do what was asked: a wallet could not make or look up an invoice ({@link
 * Rail#NWC}, {@code code} the wallet's error code), no trustworthy exchange rate could be had
 * ({@link Rail#NWC}, code {@code EXCHANGE_RATE}), or a message reached no relay ({@link Rail#DM},
 * code {@code UNDELIVERED}). Expected outcomes of a payment (a decline, silence) are values, not
 * this exception.
 */
public class RailException extends RuntimeException {
  /**
   * The ways the engine reaches the world when it collects, as failures name them: a {@code
   * RailException}'s {@link #rail()}, {@link BillingListener#paymentFailed} and {@link
   * BillingListener#needsAttention}; the builder's lanes and rate limits are per rail too ({@link
   * BillingBuilder#railConcurrency}, {@link BillingBuilder#rateLimit}). Not {@link PaymentMethod},
   * which says how an invoice was paid.
   */
  public enum Rail {
    /**
     * Lightning through Nostr Wallet Connect: the tenant's wallet, the service wallet, exchange
     * rates.
     */
    NWC,
    /** The saved card, through the payment gateway. */
    STRIPE,
    /** The Nostr direct message asking the tenant to pay by hand. */
    DM;

    /**
     * The rail's lower-case name, as logs and the examples print it ({@code nwc}, {@code stripe},
     * {@code dm}).
     */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The code of an exchange-rate failure. */
  public static final String EXCHANGE_RATE = "EXCHANGE_RATE";

  /** The code of a message no destination accepted. */
  public static final String UNDELIVERED = "UNDELIVERED";

  private final Rail rail;
  private final String code;

  public RailException(Rail rail, String code, String message) {
    this(rail, code, message, null);
  }

  public RailException(Rail rail, String code, String message, Throwable cause) {
    super(message, cause);
    this.rail = java.util.Objects.requireNonNull(rail, "rail");
    this.code = java.util.Objects.requireNonNull(code, "code");
  }

  public Rail rail() {
    return rail;
  }

  public String code() {
    return code;
  }
}
