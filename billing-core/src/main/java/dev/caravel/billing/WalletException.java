package dev.caravel.billing;

/** A wallet could not do what was asked (make or look up an invoice). {@code code} is the wallet's. */
public class WalletException extends BillingException {
  private final String code;

  public WalletException(String code, String message) {
    super(message);
    this.code = code;
  }

  public WalletException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
