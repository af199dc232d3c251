package dev.caravel.billing;

/**
 * The root of every error this library throws. Errors are for bugs and bad input; expected results
 * (a declined card, an unpaid invoice) are values, never exceptions.
 */
public class BillingException extends RuntimeException {
  public BillingException(String message) {
    super(message);
  }

  public BillingException(String message, Throwable cause) {
    super(message, cause);
  }
}
