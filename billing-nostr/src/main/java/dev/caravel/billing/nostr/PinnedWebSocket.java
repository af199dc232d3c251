package dev.caravel.billing.nostr;

import static dev.caravel.billing.nostr.WebSocketFrames.BINARY;
import static dev.caravel.billing.nostr.WebSocketFrames.CLOSE;
import static dev.caravel.billing.nostr.WebSocketFrames.CONTINUATION;
import static dev.caravel.billing.nostr.WebSocketFrames.PING;
import static dev.caravel.billing.nostr.WebSocketFrames.PONG;
import static dev.caravel.billing.nostr.WebSocketFrames.TEXT;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client WebSocket (RFC 6455) over a socket from {@link PinnedDialer}: the relay's name was
 * resolved once, every address checked, and one of those addresses dialled; the handshake's {@code
 * Host} is the name. It implements {@link WebSocket} so that {@link RelayConnection} drives it as
 * it drives the JDK's, with the same listener.
 *
 * <p>One thread per connection dials, shakes hands, then reads: frames are delivered to the
 * listener as the JDK does (text in pieces, the last with {@code last == true}; each receive call
 * waits for {@link #request demand}); a ping is answered with a pong. Sends go out in order on a
 * writer thread that exists while there is something to write, so a slow relay never blocks the
 * caller. No extension or subprotocol is offered.
 */
final class PinnedWebSocket implements WebSocket {
  private static final Logger log = LoggerFactory.getLogger(PinnedWebSocket.class);

  /** Bytes read from the socket per listener call, at most. */
  private static final int CHUNK = 16 * 1024;

  private static final int NO_STATUS = 1005;

  private final URI uri;
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final Listener listener;

  /** At most one thread, so frames leave in the order they were sent. */
  private final ThreadPoolExecutor writer =
      new ThreadPoolExecutor(
          0,
          1,
          10,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "nostr-relay-writer");
            t.setDaemon(true);
            return t;
          });

  private final AtomicBoolean outputClosed = new AtomicBoolean();
  private volatile boolean inputClosed;
  private volatile boolean aborted;

  /** Guards {@link #demand} and {@link #textInProgress}. */
  private final Object lock = new Object();

  private long demand;
  private boolean textInProgress;

  private PinnedWebSocket(
      URI uri, Socket socket, DataInputStream in, OutputStream out, Listener listener) {
    this.uri = uri;
    this.socket = socket;
    this.in = in;
    this.out = out;
    this.listener = listener;
  }

  /**
   * Dials {@code uri} through {@code dialer} on a new thread, which stays to read. The future
   * completes after {@link Listener#onOpen}, or fails (a refusal by the address policy is a {@link
   * PinnedDialer.AddressRefusedException}).
   */
  static CompletableFuture<WebSocket> open(URI uri, PinnedDialer dialer, Listener listener) {
    CompletableFuture<WebSocket> opened = new CompletableFuture<>();
    Thread thread = new Thread(() -> run(uri, dialer, listener, opened), "nostr-relay-reader");
    thread.setDaemon(true);
    thread.start();
    return opened;
  }

  private static void run(
      URI uri, PinnedDialer dialer, Listener listener, CompletableFuture<WebSocket> opened) {
    PinnedWebSocket ws;
    try {
      Socket socket = dialer.dial(uri);
      try {
        ws = handshake(uri, socket, listener);
      } catch (IOException | RuntimeException e) {
        socket.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      opened.completeExceptionally(e);
      return;
    }
    try {
      listener.onOpen(ws);
    } catch (RuntimeException e) {
      log.warn("the WebSocket listener of {} failed on open", uri, e);
    }
    opened.complete(ws);
    ws.readLoop();
  }

  private static PinnedWebSocket handshake(URI uri, Socket socket, Listener listener)
      throws IOException {
    String key = WebSocketFrames.newKey();
    String request =
        PinnedDialer.getRequestHead(uri, uri)
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
            + key
            + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    BufferedInputStream in = new BufferedInputStream(socket.getInputStream());
    HttpHead head = HttpHead.read(in);
    if (head.status() != 101) {
      throw new ProtocolException(
          "the relay answered the WebSocket handshake with HTTP " + head.status());
    }
    if (!head.header("upgrade").equalsIgnoreCase("websocket")
        || !head.lists("connection", "upgrade")) {
      throw new ProtocolException("the relay's handshake answer does not upgrade to WebSocket");
    }
    if (!head.header("sec-websocket-accept").equals(WebSocketFrames.acceptFor(key))) {
      throw new ProtocolException("the relay's Sec-WebSocket-Accept does not match our key");
    }
    if (!head.header("sec-websocket-extensions").isEmpty()
        || !head.header("sec-websocket-protocol").isEmpty()) {
      throw new ProtocolException("the relay chose an extension or subprotocol never offered");
    }
    socket.setSoTimeout(0); // from here on the pool's pings notice a relay gone silent
    return new PinnedWebSocket(uri, socket, new DataInputStream(in), out, listener);
  }

  // --- receiving ---

  private void readLoop() {
    WebSocketFrames.Utf8 utf8 = new WebSocketFrames.Utf8();
    int message = -1; // TEXT or BINARY while a fragmented message is in progress
    byte[] chunk = new byte[CHUNK];
    try {
      while (true) {
        WebSocketFrames.Header frame = WebSocketFrames.readHeader(in);
        if (frame.isControl()) {
          byte[] payload = new byte[(int) frame.length()];
          in.readFully(payload);
          if (frame.opcode() == CLOSE) {
            closeReceived(payload);
            return;
          }
          if (frame.opcode() == PING) {
            if (!outputClosed.get()) {
              send(PONG, true, payload);
            }
            deliver(() -> listener.onPing(this, ByteBuffer.wrap(payload)));
          } else {
            deliver(() -> listener.onPong(this, ByteBuffer.wrap(payload)));
          }
          continue;
        }
        if (frame.opcode() == CONTINUATION) {
          if (message < 0) {
            throw new ProtocolException("a continuation frame outside a message");
          }
        } else if (message >= 0) {
          throw new ProtocolException("a new message inside a fragmented one");
        } else {
          message = frame.opcode();
        }
        long remaining = frame.length();
        do {
          int n = (int) Math.min(remaining, chunk.length);
          in.readFully(chunk, 0, n);
          remaining -= n;
          boolean last = frame.fin() && remaining == 0;
          if (message == TEXT) {
            String text = utf8.decode(chunk, n, last);
            if (!text.isEmpty() || last) {
              deliver(() -> listener.onText(this, text, last));
            }
          } else if (n > 0 || last) {
            ByteBuffer data = ByteBuffer.wrap(Arrays.copyOf(chunk, n));
            deliver(() -> listener.onBinary(this, data, last));
          }
        } while (remaining > 0);
        if (frame.fin()) {
          message = -1;
        }
      }
    } catch (IOException | RuntimeException e) {
      failed(e);
    }
  }

  /** Calls the listener once there is demand for it (see {@link #request}). */
  private void deliver(Runnable call) throws IOException {
    synchronized (lock) {
      while (demand == 0 && !aborted) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while waiting for demand");
        }
      }
      if (aborted) {
        throw new InterruptedIOException("aborted");
      }
      demand--;
    }
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("the WebSocket listener of {} failed", uri, e);
    }
  }

  private void closeReceived(byte[] payload) {
    inputClosed = true;
    int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : NO_STATUS;
    String reason =
        payload.length > 2
            ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8)
            : "";
    if (!aborted) {
      try {
        listener.onClose(this, code, reason);
      } catch (RuntimeException e) {
        log.warn("the WebSocket listener of {} failed on close", uri, e);
      }
    }
    // Echo the close (RFC 6455 §5.5.1) unless ours went first; then hang up either way.
    sendClose(NORMAL_CLOSURE, "").whenComplete((r, e) -> closeSocket());
  }

  private void failed(Throwable error) {
    boolean wasAborted = aborted;
    inputClosed = true;
    outputClosed.set(true);
    closeSocket();
    if (!wasAborted) {
      try {
        listener.onError(this, error);
      } catch (RuntimeException e) {
        log.warn("the WebSocket listener of {} failed on an error", uri, e);
      }
    }
  }

  @Override
  public void request(long n) {
    if (n <= 0) {
      throw new IllegalArgumentException("demand must be positive");
    }
    synchronized (lock) {
      demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
      lock.notifyAll();
    }
  }

  // --- sending ---

  /** Sends text; a message split over calls must split between whole characters. */
  @Override
  public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) {
    if (outputClosed.get()) {
      return outputClosedFuture();
    }
    int opcode;
    synchronized (lock) {
      opcode = textInProgress ? CONTINUATION : TEXT;
      textInProgress = !last;
    }
    return send(opcode, last, data.toString().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) {
    if (outputClosed.get()) {
      return outputClosedFuture();
    }
    byte[] bytes = new byte[data.remaining()];
    data.get(bytes);
    return send(BINARY, last, bytes);
  }

  @Override
  public CompletableFuture<WebSocket> sendPing(ByteBuffer message) {
    return control(PING, message);
  }

  @Override
  public CompletableFuture<WebSocket> sendPong(ByteBuffer message) {
    return control(PONG, message);
  }

  @Override
  public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    if (text.length > 123) {
      throw new IllegalArgumentException("a close reason is at most 123 bytes of UTF-8");
    }
    if (!outputClosed.compareAndSet(false, true)) {
      return outputClosedFuture();
    }
    byte[] payload = new byte[2 + text.length];
    payload[0] = (byte) (statusCode >>> 8);
    payload[1] = (byte) statusCode;
    System.arraycopy(text, 0, payload, 2, text.length);
    CompletableFuture<WebSocket> sent = send(CLOSE, true, payload);
    sent.whenComplete(
        (r, e) -> {
          if (inputClosed || e != null) {
            closeSocket();
          }
        });
    return sent;
  }

  private CompletableFuture<WebSocket> control(int opcode, ByteBuffer message) {
    if (message.remaining() > 125) {
      throw new IllegalArgumentException("a control frame carries at most 125 bytes");
    }
    if (outputClosed.get()) {
      return outputClosedFuture();
    }
    byte[] bytes = new byte[message.remaining()];
    message.get(bytes);
    return send(opcode, true, bytes);
  }

  private CompletableFuture<WebSocket> send(int opcode, boolean fin, byte[] payload) {
    Write write = new Write(WebSocketFrames.clientFrame(opcode, fin, payload));
    try {
      writer.execute(write);
    } catch (RejectedExecutionException e) {
      write.fail();
    }
    return write.sent;
  }

  /** One frame to write, and the future its sender holds. */
  private final class Write implements Runnable {
    private final byte[] frame;
    private final CompletableFuture<WebSocket> sent = new CompletableFuture<>();

    Write(byte[] frame) {
      this.frame = frame;
    }

    @Override
    public void run() {
      try {
        out.write(frame);
        out.flush();
        sent.complete(PinnedWebSocket.this);
      } catch (IOException e) {
        sent.completeExceptionally(e);
      }
    }

    void fail() {
      sent.completeExceptionally(new IOException("the connection to " + uri + " is closed"));
    }
  }

  private CompletableFuture<WebSocket> outputClosedFuture() {
    return CompletableFuture.failedFuture(new IOException("output closed"));
  }

  // --- state ---

  @Override
  public String getSubprotocol() {
    return "";
  }

  @Override
  public boolean isOutputClosed() {
    return outputClosed.get();
  }

  @Override
  public boolean isInputClosed() {
    return inputClosed;
  }

  /** Closes the connection at once; the listener hears nothing more. */
  @Override
  public void abort() {
    aborted = true;
    inputClosed = true;
    outputClosed.set(true);
    closeSocket();
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  private void closeSocket() {
    // Frames still queued will never leave: their senders hear so.
    for (Runnable dropped : writer.shutdownNow()) {
      ((Write) dropped).fail();
    }
    try {
      socket.close();
    } catch (IOException e) {
      log.debug("closing the socket to {}: {}", uri, e.toString());
    }
  }
}
