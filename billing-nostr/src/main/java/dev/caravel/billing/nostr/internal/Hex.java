package dev.caravel.billing.nostr.internal;

import dev.caravel.billing.nostr.DecryptionException;
import dev.caravel.billing.nostr.NostrFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Lower-case hex, strict on input (even length, [0-9a-fA-F] only), and strict UTF-8. */
public final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  public static String encode(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = DIGITS[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = DIGITS[bytes[i] & 0xf];
    }
    return new String(out);
  }

  /** Decodes exactly {@code length} bytes; {@code what} names the value in the error. */
  public static byte[] decode(String hex, int length, String what) {
    if (hex == null) {
      throw new NostrFormatException(what + " is missing");
    }
    if (hex.length() != length * 2) {
      throw new NostrFormatException(
          what + " must be " + (length * 2) + " hex characters, got " + hex.length());
    }
    return decode(hex, what);
  }

  public static byte[] decode(String hex, String what) {
    if (hex == null || (hex.length() & 1) != 0) {
      throw new NostrFormatException(what + " is not hex of even length");
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = Character.digit(hex.charAt(2 * i), 16);
      int lo = Character.digit(hex.charAt(2 * i + 1), 16);
      // Character.digit accepts non-ASCII digits; hex is ASCII only.
      if (hi < 0 || lo < 0 || hex.charAt(2 * i) > 'f' || hex.charAt(2 * i + 1) > 'f') {
        throw new NostrFormatException(what + " is not valid hex");
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

  /** Strict UTF-8: malformed input is an error, not U+FFFD. */
  public static String utf8(byte[] bytes, int offset, int length) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, offset, length))
          .toString();
    } catch (CharacterCodingException e) {
      throw new DecryptionException("plaintext is not UTF-8");
    }
  }
}
