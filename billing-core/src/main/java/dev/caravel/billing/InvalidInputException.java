package dev.caravel.billing;

/**
 * Bad data: a value handed to the library is malformed (a bad key, a negative price, a blank id) or
 * refused ({@link ActivityRejectedException}, {@link ConflictingKeyException}), or data read back
 * from the storage breaks a rule billing relies on. Nothing was recorded.
 */
public class InvalidInputException extends RuntimeException {
  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * A key given again with other content: what an idempotent operation ({@link Billing#credit},
   * {@link Billing#charge}, {@link Billing#refund}) can't treat as a retry. Nothing was recorded.
   * An activity id given again with other content is its kin, an {@link ActivityRejectedException}
   * with reason {@code CONFLICTING_ID}.
   */
  public static final class ConflictingKeyException extends InvalidInputException {
    public ConflictingKeyException(String message) {
      super(message);
    }
  }
}
