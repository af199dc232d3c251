package dev.caravel.billing.nostr;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * A tiny WebSocket server on 127.0.0.1 that plays a misbehaving relay: it answers each client text
 * message with whatever {@code script} returns (raw strings, sent as they are), or, when {@code
 * handshake} is false, accepts TCP connections and never answers at all.
 */
final class FakeRelay implements AutoCloseable {
  private final ServerSocket server;
  private final boolean handshake;
  private final Function<String, List<String>> script;
  private final List<Socket> clients = new CopyOnWriteArrayList<>();
  private final List<OutputStream> outputs = new CopyOnWriteArrayList<>();
  final BlockingQueue<String> received = new LinkedBlockingQueue<>();

  /** One entry per accepted TCP connection. */
  final BlockingQueue<Socket> connections = new LinkedBlockingQueue<>();

  /** The head of each handshake request, as sent. */
  final BlockingQueue<String> requests = new LinkedBlockingQueue<>();

  /** Over TLS: the SNI server name each client asked for ("" for none). */
  final BlockingQueue<String> serverNames = new LinkedBlockingQueue<>();

  /** The payload of each pong a client sent. */
  final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();

  /** When false, pings go unanswered, like a relay that vanished without closing TCP. */
  volatile boolean answerPings = true;

  FakeRelay(boolean handshake, Function<String, List<String>> script) throws IOException {
    this(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), handshake, script);
  }

  /** On {@code server}, e.g. a TLS server socket on 127.0.0.1. */
  FakeRelay(ServerSocket server, boolean handshake, Function<String, List<String>> script) {
    this.server = server;
    this.handshake = handshake;
    this.script = script;
    Thread acceptor = new Thread(this::acceptLoop, "fake-relay");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  static FakeRelay silentHandshake() throws IOException {
    return new FakeRelay(false, m -> List.of());
  }

  String url() {
    return "ws://127.0.0.1:" + server.getLocalPort();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Pushes raw bytes (frames built by the test) to every connected client. */
  void pushRaw(byte[] bytes) throws IOException {
    for (OutputStream out : outputs) {
      synchronized (out) {
        out.write(bytes);
        out.flush();
      }
    }
  }

  /** Closes every client connection without a close frame; the server keeps listening. */
  void dropConnections() throws IOException {
    outputs.clear();
    for (Socket s : clients) {
      s.close();
    }
  }

  /** Pushes a raw text frame to every connected client. */
  void push(String text) throws IOException {
    for (OutputStream out : outputs) {
      writeText(out, text);
    }
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        clients.add(s);
        connections.add(s);
        Thread t = new Thread(() -> serve(s), "fake-relay-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      if (s instanceof javax.net.ssl.SSLSocket ssl) {
        ssl.startHandshake();
        List<javax.net.ssl.SNIServerName> names =
            ((javax.net.ssl.ExtendedSSLSession) ssl.getSession()).getRequestedServerNames();
        serverNames.add(
            names.isEmpty() ? "" : ((javax.net.ssl.SNIHostName) names.get(0)).getAsciiName());
      }
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      String request = readHeaders(in);
      requests.add(request);
      if (!handshake) {
        in.transferTo(OutputStream.nullOutputStream()); // hold the line open, say nothing
        return;
      }
      String key = null;
      for (String line : request.split("\r\n")) {
        if (line.toLowerCase().startsWith("sec-websocket-key:")) {
          key = line.substring(line.indexOf(':') + 1).trim();
        }
      }
      String accept =
          Base64.getEncoder()
              .encodeToString(
                  MessageDigest.getInstance("SHA-1")
                      .digest(
                          (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                              .getBytes(StandardCharsets.US_ASCII)));
      out.write(
          ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Accept: "
                  + accept
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      outputs.add(out);
      while (true) {
        String text = readTextFrame(in, out);
        if (text == null) {
          return;
        }
        received.add(text);
        for (String reply : script.apply(text)) {
          writeText(out, reply);
        }
      }
    } catch (Exception e) {
      // the client went away
    }
  }

  private static String readHeaders(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException();
      }
      buf.write(b);
      matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : 0;
    }
    return buf.toString(StandardCharsets.US_ASCII);
  }

  /** Reads client frames (masked) until a complete text message; null on close. */
  private String readTextFrame(InputStream in, OutputStream out) throws IOException {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    while (true) {
      int b0 = readByte(in);
      int b1 = readByte(in);
      boolean fin = (b0 & 0x80) != 0;
      int opcode = b0 & 0x0f;
      long len = b1 & 0x7f;
      if (len == 126) {
        len = (readByte(in) << 8) | readByte(in);
      } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++) {
          len = (len << 8) | readByte(in);
        }
      }
      byte[] mask = in.readNBytes(4);
      byte[] payload = in.readNBytes((int) len);
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i % 4];
      }
      if (opcode == 0x8) {
        return null;
      }
      if (opcode == 0x9) { // ping -> pong
        if (answerPings) {
          writeFrame(out, 0xA, payload);
        }
        continue;
      }
      if (opcode == 0xA) {
        pongs.add(new String(payload, StandardCharsets.UTF_8));
        continue;
      }
      message.write(payload);
      if (fin) {
        return message.toString(StandardCharsets.UTF_8);
      }
    }
  }

  private static int readByte(InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException();
    }
    return b;
  }

  private static void writeText(OutputStream out, String text) throws IOException {
    writeFrame(out, 0x1, text.getBytes(StandardCharsets.UTF_8));
  }

  private static void writeFrame(OutputStream out, int opcode, byte[] payload) throws IOException {
    synchronized (out) {
      out.write(0x80 | opcode);
      if (payload.length < 126) {
        out.write(payload.length);
      } else if (payload.length < 65536) {
        out.write(126);
        out.write(payload.length >>> 8);
        out.write(payload.length & 0xff);
      } else {
        out.write(127);
        for (int i = 7; i >= 0; i--) {
          out.write((int) (((long) payload.length >>> (8 * i)) & 0xff));
        }
      }
      out.write(payload);
      out.flush();
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : clients) {
      s.close();
    }
  }
}
