package dev.caravel.billing;

/**
 * A rail could not do what was asked: a wallet could not make or look up an invoice ({@link
 * Rail#NWC}, {@code code} the wallet's error code), no trustworthy exchange rate could be had
 * ({@link Rail#NWC}, code {@code EXCHANGE_RATE}), or a message reached no relay ({@link Rail#DM},
 * code {@code UNDELIVERED}). Expected outcomes of a payment (a decline, silence) are values, not
 * this exception.
 */
public class RailException extends BillingException {
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
