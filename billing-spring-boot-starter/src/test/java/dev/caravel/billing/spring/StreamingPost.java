package dev.caravel.billing.spring;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;

/**
 * A POST over a plain socket, as an attacker sends it: the body is made as it is sent (a padded
 * prefix, so a 50 MB body costs no 50 MB of memory), with a {@code Content-Length} or chunked, and
 * written by its own thread while this one reads the answer, as a client that never waits for the
 * server would. After the answer it keeps sending until the server closes the connection, and
 * counts the body bytes the server let it send.
 */
final class StreamingPost {
  /** The server's answer, and how much of the body went out before it came. */
  record Answer(int status, Map<String, String> headers, String body, long bodyBytesSent) {}

  /** {@code prefix} followed by spaces up to {@code size} bytes: trailing spaces are still JSON. */
  record PaddedBody(byte[] prefix, long size) {
    PaddedBody {
      if (size < prefix.length) {
        throw new IllegalArgumentException("the body is shorter than its prefix");
      }
    }

    static PaddedBody of(String prefix, long size) {
      return new PaddedBody(prefix.getBytes(StandardCharsets.UTF_8), size);
    }

    /** Feeds the whole body to {@code mac}, a buffer at a time. */
    void update(Mac mac) {
      mac.update(prefix);
      byte[] spaces = spaces();
      for (long left = size - prefix.length; left > 0; left -= spaces.length) {
        mac.update(spaces, 0, (int) Math.min(spaces.length, left));
      }
    }

    private static byte[] spaces() {
      byte[] spaces = new byte[64 * 1024];
      java.util.Arrays.fill(spaces, (byte) ' ');
      return spaces;
    }
  }

  private StreamingPost() {}

  static Answer send(
      int port, String path, Map<String, String> headers, PaddedBody body, boolean chunked)
      throws Exception {
    try (Socket socket = new Socket()) {
      // A small send buffer of our own, so the count is close to what the server took in.
      socket.setSendBufferSize(64 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", port));
      socket.setSoTimeout(30_000);
      StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\n");
      head.append("Host: 127.0.0.1:").append(port).append("\r\n");
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      head.append(
          chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.size() + "\r\n");
      head.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();

      AtomicLong sent = new AtomicLong();
      Thread writer = new Thread(() -> write(out, body, chunked, sent), "streaming-post-body");
      writer.setDaemon(true);
      writer.start();
      Answer answer;
      try {
        answer = readAnswer(socket.getInputStream(), sent);
        // Keep sending until the server closes the connection (or takes the whole body): what
        // it lets through is what an attacker gets to push.
        writer.join(60_000);
      } finally {
        socket.close();
        writer.join(10_000);
      }
      return new Answer(answer.status(), answer.headers(), answer.body(), sent.get());
    }
  }

  private static void write(OutputStream out, PaddedBody body, boolean chunked, AtomicLong sent) {
    try {
      writePart(out, body.prefix(), body.prefix().length, chunked, sent);
      byte[] spaces = PaddedBody.spaces();
      for (long left = body.size() - body.prefix().length; left > 0; ) {
        int n = (int) Math.min(spaces.length, left);
        writePart(out, spaces, n, chunked, sent);
        left -= n;
      }
      if (chunked) {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.flush();
    } catch (IOException e) {
      // The server closed the connection: it will read no more.
    }
  }

  private static void writePart(
      OutputStream out, byte[] bytes, int length, boolean chunked, AtomicLong sent)
      throws IOException {
    if (chunked) {
      out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }
    out.write(bytes, 0, length);
    sent.addAndGet(length);
    if (chunked) {
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
  }

  private static Answer readAnswer(InputStream in, AtomicLong sent) throws IOException {
    String status = line(in);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = line(in); !line.isEmpty(); line = line(in)) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    String length = headers.get("content-length");
    if (length == null) {
      throw new IOException("an answer without Content-Length: " + status + " " + headers);
    }
    byte[] body = in.readNBytes(Integer.parseInt(length));
    return new Answer(
        Integer.parseInt(status.split(" ")[1]),
        headers,
        new String(body, StandardCharsets.UTF_8),
        sent.get());
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("the connection closed mid-answer: " + line);
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }
}
