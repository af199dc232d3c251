package dev.caravel.billing;

/** A message could not be delivered anywhere; the message says why (e.g. each relay's reason). */
public class MessengerException extends BillingException {
  public MessengerException(String message) {
    super(message);
  }

  public MessengerException(String message, Throwable cause) {
    super(message, cause);
  }
}
