package dev.caravel.billing.nostr;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 GET over a {@link PinnedDialer} socket, for a relay's NIP-11 document: the document
 * of a relay the host did not configure comes from the address the policy checked, like its
 * WebSocket, not from a second resolution of its name. One request per connection ({@code
 * Connection: close}); the body is bounded.
 */
final class PinnedHttpGet {
  private PinnedHttpGet() {}

  /**
   * The body of a 200 answer to GET {@code document}, or null for any other status or a body over
   * {@code maxBytes}.
   *
   * @param relay the relay URL (ws/wss) whose name and port are dialled
   * @param document the http(s) URL to request
   * @throws IOException when the relay is refused or unreachable, or the answer is not HTTP
   */
  static byte[] get(PinnedDialer dialer, URI relay, URI document, String accept, int maxBytes)
      throws IOException {
    try (Socket socket = dialer.dial(relay)) {
      String request =
          PinnedDialer.getRequestHead(document, relay)
              + "Accept: "
              + accept
              + "\r\nConnection: close\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      HttpHead head = HttpHead.read(in);
      if (head.status() != 200) {
        return null;
      }
      if (head.lists("transfer-encoding", "chunked")) {
        return chunked(in, maxBytes);
      }
      String length = head.header("content-length");
      byte[] body;
      if (!length.isEmpty()) {
        long n = parseLength(length);
        if (n > maxBytes) {
          return null;
        }
        body = in.readNBytes((int) n);
        if (body.length < n) {
          throw new EOFException("the body ended early");
        }
        return body;
      }
      body = in.readNBytes(maxBytes + 1); // no length: the body ends when the connection does
      return body.length > maxBytes ? null : body;
    }
  }

  private static byte[] chunked(InputStream in, int maxBytes) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String line = line(in);
      int semicolon = line.indexOf(';');
      long size;
      try {
        size = Long.parseLong((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
      } catch (NumberFormatException e) {
        throw new ProtocolException("a chunk size that is not hexadecimal");
      }
      if (size < 0 || body.size() + size > maxBytes) {
        return null;
      }
      if (size == 0) {
        return body.toByteArray(); // trailers, if any, are not needed
      }
      byte[] chunk = in.readNBytes((int) size);
      if (chunk.length < size) {
        throw new EOFException("a chunk ended early");
      }
      body.write(chunk);
      line(in); // the CRLF after the chunk
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new EOFException("the body ended early");
      }
      if (line.length() > 1024) {
        throw new ProtocolException("a chunk header over 1 KiB");
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  private static long parseLength(String value) throws ProtocolException {
    try {
      long n = Long.parseLong(value.trim());
      if (n < 0) {
        throw new ProtocolException("a negative Content-Length");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ProtocolException("a Content-Length that is not a number");
    }
  }
}
