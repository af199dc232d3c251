package dev.caravel.billing.nostr;

import dev.caravel.billing.InvalidInputException;

/**
 * Nostr data that does not parse or does not check out: bad hex or bech32, an invalid key, a
 * malformed event or relay message, an event whose id or signature is wrong. Messages never carry
 * secret material.
 */
public class NostrFormatException extends InvalidInputException {
  public NostrFormatException(String message) {
    super(message);
  }

  public NostrFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
