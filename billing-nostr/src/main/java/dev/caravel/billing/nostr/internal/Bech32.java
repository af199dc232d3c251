package dev.caravel.billing.nostr.internal;

import dev.caravel.billing.nostr.NostrFormatException;
import java.io.ByteArrayOutputStream;
import java.util.Locale;

/** BIP-173 bech32 (not bech32m), as NIP-19 uses for npub/nsec. */
public final class Bech32 {
  private static final String CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  private static final int[] GEN = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  // NIP-19 TLV entities can be longer than BIP-173's 90 characters; keys are 63.
  private static final int MAX_LENGTH = 5000;

  public record Decoded(String hrp, byte[] data) {}

  private Bech32() {}

  public static String encode(String hrp, byte[] bytes) {
    byte[] data = convertBits(bytes, 8, 5, true);
    byte[] checksum = checksum(hrp, data);
    StringBuilder sb = new StringBuilder(hrp.length() + 1 + data.length + 6);
    sb.append(hrp).append('1');
    for (byte b : data) {
      sb.append(CHARSET.charAt(b));
    }
    for (byte b : checksum) {
      sb.append(CHARSET.charAt(b));
    }
    return sb.toString();
  }

  public static Decoded decode(String s) {
    if (s == null || s.length() < 8 || s.length() > MAX_LENGTH) {
      throw new NostrFormatException("bech32 string has a bad length");
    }
    boolean lower = false;
    boolean upper = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 33 || c > 126) {
        throw new NostrFormatException("bech32 string has a bad character");
      }
      lower |= Character.isLowerCase(c);
      upper |= Character.isUpperCase(c);
    }
    if (lower && upper) {
      throw new NostrFormatException("bech32 string mixes upper and lower case");
    }
    String str = s.toLowerCase(Locale.ROOT);
    int sep = str.lastIndexOf('1');
    if (sep < 1 || sep + 7 > str.length()) {
      throw new NostrFormatException("bech32 string has no separator");
    }
    String hrp = str.substring(0, sep);
    byte[] values = new byte[str.length() - sep - 1];
    for (int i = 0; i < values.length; i++) {
      int v = CHARSET.indexOf(str.charAt(sep + 1 + i));
      if (v < 0) {
        throw new NostrFormatException("bech32 string has a bad character");
      }
      values[i] = (byte) v;
    }
    if (polymod(hrp, values, values.length) != 1) {
      throw new NostrFormatException("bech32 checksum does not match");
    }
    byte[] data = new byte[values.length - 6];
    System.arraycopy(values, 0, data, 0, data.length);
    return new Decoded(hrp, convertBits(data, 5, 8, false));
  }

  private static byte[] checksum(String hrp, byte[] data) {
    byte[] values = new byte[data.length + 6];
    System.arraycopy(data, 0, values, 0, data.length);
    int mod = polymod(hrp, values, values.length) ^ 1;
    byte[] out = new byte[6];
    for (int i = 0; i < 6; i++) {
      out[i] = (byte) ((mod >>> (5 * (5 - i))) & 31);
    }
    return out;
  }

  private static int polymod(String hrp, byte[] values, int n) {
    int chk = 1;
    for (int i = 0; i < hrp.length(); i++) {
      chk = step(chk, hrp.charAt(i) >> 5);
    }
    chk = step(chk, 0);
    for (int i = 0; i < hrp.length(); i++) {
      chk = step(chk, hrp.charAt(i) & 31);
    }
    for (int i = 0; i < n; i++) {
      chk = step(chk, values[i]);
    }
    return chk;
  }

  private static int step(int chk, int v) {
    int top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; i++) {
      if (((top >>> i) & 1) != 0) {
        chk ^= GEN[i];
      }
    }
    return chk;
  }

  private static byte[] convertBits(byte[] in, int from, int to, boolean pad) {
    int acc = 0;
    int bits = 0;
    int maxv = (1 << to) - 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length * from / to + 1);
    for (byte b : in) {
      int value = b & 0xff;
      if ((value >>> from) != 0) {
        throw new NostrFormatException("bech32 data out of range");
      }
      acc = (acc << from) | value;
      bits += from;
      while (bits >= to) {
        bits -= to;
        out.write((acc >>> bits) & maxv);
      }
    }
    if (pad) {
      if (bits > 0) {
        out.write((acc << (to - bits)) & maxv);
      }
    } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
      throw new NostrFormatException("bech32 data has bad padding");
    }
    return out.toByteArray();
  }
}
