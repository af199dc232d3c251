package dev.caravel.billing.nostr;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * RFC 6455 framing for a client: masked frames out, unmasked frames in, UTF-8 text across frames.
 */
final class WebSocketFrames {
  private WebSocketFrames() {}

  static final int CONTINUATION = 0x0;
  static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  static final int CLOSE = 0x8;
  static final int PING = 0x9;
  static final int PONG = 0xA;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** A frame's header as read; the payload follows in the stream. */
  record Header(boolean fin, int opcode, long length) {
    boolean isControl() {
      return opcode >= CLOSE;
    }
  }

  /** A fresh {@code Sec-WebSocket-Key}. */
  static String newKey() {
    byte[] key = new byte[16];
    RANDOM.nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  /** The {@code Sec-WebSocket-Accept} a server must answer to {@code key}. */
  static String acceptFor(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-1")
              .digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from the JDK", e);
    }
  }

  /** One client frame: FIN as given, masked with a fresh random key (RFC 6455 §5.3). */
  static byte[] clientFrame(int opcode, boolean fin, byte[] payload) {
    int n = payload.length;
    int lengthBytes = n < 126 ? 0 : n < 65_536 ? 2 : 8;
    byte[] frame = new byte[2 + lengthBytes + 4 + n];
    frame[0] = (byte) ((fin ? 0x80 : 0) | opcode);
    int i = 2;
    if (lengthBytes == 0) {
      frame[1] = (byte) (0x80 | n);
    } else if (lengthBytes == 2) {
      frame[1] = (byte) (0x80 | 126);
      frame[i++] = (byte) (n >>> 8);
      frame[i++] = (byte) n;
    } else {
      frame[1] = (byte) (0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame[i++] = (byte) ((long) n >>> shift);
      }
    }
    byte[] mask = new byte[4];
    RANDOM.nextBytes(mask);
    System.arraycopy(mask, 0, frame, i, 4);
    i += 4;
    for (int k = 0; k < n; k++) {
      frame[i + k] = (byte) (payload[k] ^ mask[k & 3]);
    }
    return frame;
  }

  /** Reads a server frame's header; a masked frame or reserved bits are protocol errors. */
  static Header readHeader(DataInputStream in) throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    if ((b0 & 0x70) != 0) {
      throw new ProtocolException("a frame with reserved bits set (no extension was agreed)");
    }
    if ((b1 & 0x80) != 0) {
      throw new ProtocolException("a masked frame from the server");
    }
    long length = b1 & 0x7f;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
      if (length < 0) {
        throw new ProtocolException("a frame length over 2^63");
      }
    }
    Header header = new Header((b0 & 0x80) != 0, b0 & 0x0f, length);
    int op = header.opcode();
    if (op != CONTINUATION
        && op != TEXT
        && op != BINARY
        && op != CLOSE
        && op != PING
        && op != PONG) {
      throw new ProtocolException("an unknown opcode " + op);
    }
    if (header.isControl() && (!header.fin() || length > 125)) {
      throw new ProtocolException("a fragmented or oversized control frame");
    }
    return header;
  }

  /**
   * Decodes a text message's UTF-8 as it arrives in pieces; a character split across pieces (or
   * frames) waits for its last byte. One instance per connection, reset after each message.
   */
  static final class Utf8 {
    private final CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] carry = new byte[0];

    /** The characters of {@code bytes}; {@code last}: the message ends here. */
    String decode(byte[] bytes, int length, boolean last) throws ProtocolException {
      ByteBuffer in = ByteBuffer.allocate(carry.length + length);
      in.put(carry).put(bytes, 0, length).flip();
      CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
      CoderResult result = decoder.decode(in, out, last);
      if (result.isError()) {
        throw invalid();
      }
      if (last) {
        if (decoder.flush(out).isError() || in.hasRemaining()) {
          throw invalid();
        }
        decoder.reset();
        carry = new byte[0];
      } else {
        carry = new byte[in.remaining()];
        in.get(carry);
      }
      return out.flip().toString();
    }

    private static ProtocolException invalid() {
      return new ProtocolException("a text message that is not UTF-8");
    }
  }
}
