package dev.caravel.billing;

/** No trustworthy price could be had (a bad answer, a zero or absurd price, no answer). */
public class ExchangeRateException extends BillingException {
  public ExchangeRateException(String message) {
    super(message);
  }

  public ExchangeRateException(String message, Throwable cause) {
    super(message, cause);
  }
}
