package dev.caravel.billing;

/**
 * Seals secrets at rest (a tenant's NWC URI holds a private key). {@code open(seal(x)) == x};
 * {@code open} of anything tampered with throws {@link InvalidInputException}.
 */
public interface SecretCipher {
  String seal(String plaintext);

  String open(String sealed);
}
