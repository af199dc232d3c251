package dev.caravel.billing;

/** A value handed to the library is malformed: a bad key, a negative price, a blank id. */
public class InvalidInputException extends BillingException {
  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
