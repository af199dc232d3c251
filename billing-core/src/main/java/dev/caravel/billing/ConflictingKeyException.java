package dev.caravel.billing;

/**
 * A key given again with other content: what an idempotent operation (an adjustment, a refund)
 * can't treat as a retry. Nothing was recorded.
 */
public final class ConflictingKeyException extends InvalidInputException {
  public ConflictingKeyException(String message) {
    super(message);
  }
}
