package dev.caravel.billing.spi;

/**
 * The ledger's storage failed (a lost connection, a failed commit). The operation that threw
 * changed nothing, so it is safe to run again. A {@link Repository} throws it, and it reaches the
 * host through any of {@code Billing}'s methods that read or write the ledger.
 */
public class StorageException extends RuntimeException {
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageException(String message) {
    super(message);
  }
}
