package dev.caravel.billing;

/**
 * The ledger's storage failed (a lost connection, a failed commit). The operation that threw
 * changed nothing, so it is safe to run again.
 */
public class StorageException extends BillingException {
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageException(String message) {
    super(message);
  }
}
