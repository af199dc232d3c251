package dev.caravel.billing.nostr;

/** A ciphertext that cannot be opened: unknown version, bad base64, bad MAC, bad padding. */
public class DecryptionException extends NostrFormatException {
  public DecryptionException(String message) {
    super(message);
  }

  public DecryptionException(String message, Throwable cause) {
    super(message, cause);
  }
}
