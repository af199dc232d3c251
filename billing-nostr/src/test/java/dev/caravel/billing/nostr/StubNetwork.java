package dev.caravel.billing.nostr;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * DNS and a network for the address tests, so that they reach nothing but 127.0.0.1: names answer
 * what the test says, in turn (a rebinding DNS server); a dial to a public address goes to a local
 * server the test routes it to, or fails; a dial to a loopback address really happens, so that a
 * pool that dialled one would reach the {@link Victim} listening there.
 */
final class StubNetwork implements AddressPolicy.HostResolver, PinnedDialer.SocketOpener {
  /** A public address for the policy; it is never dialled (see {@link #open}). */
  static final InetAddress PUBLIC = address("8.8.4.4");

  private final Map<String, Deque<List<InetAddress>>> answers = new ConcurrentHashMap<>();
  private final Map<InetSocketAddress, Integer> routes = new ConcurrentHashMap<>();

  /** Every name asked, in order. */
  final List<String> lookups = new CopyOnWriteArrayList<>();

  /** Every address the pool asked to dial, in order. */
  final List<InetSocketAddress> dials = new CopyOnWriteArrayList<>();

  /** The next lookup of {@code name} answers {@code addresses}; the last answer repeats. */
  StubNetwork answer(String name, InetAddress... addresses) {
    answers.computeIfAbsent(name, n -> new ArrayDeque<>()).add(List.of(addresses));
    return this;
  }

  /** A dial to {@code address:port} reaches 127.0.0.1:{@code localPort} instead. */
  StubNetwork route(InetAddress address, int port, int localPort) {
    routes.put(new InetSocketAddress(address, port), localPort);
    return this;
  }

  @Override
  public synchronized List<InetAddress> resolve(String host) throws UnknownHostException {
    lookups.add(host);
    Deque<List<InetAddress>> queue = answers.get(host);
    if (queue == null) {
      throw new UnknownHostException(host);
    }
    return queue.size() > 1 ? queue.poll() : queue.peek();
  }

  @Override
  public Socket open(InetSocketAddress address, int timeoutMillis) throws IOException {
    dials.add(address);
    Integer local = routes.get(address);
    if (local != null) {
      return PinnedDialer.DIRECT.open(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), local), timeoutMillis);
    }
    if (address.getAddress().isLoopbackAddress()) {
      return PinnedDialer.DIRECT.open(address, timeoutMillis);
    }
    throw new ConnectException("the test network does not reach " + address);
  }

  /** Whether any dial went to a loopback address. */
  boolean dialledLoopback() {
    return dials.stream().anyMatch(a -> a.getAddress().isLoopbackAddress());
  }

  static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  /** A listener on 127.0.0.1 that counts connections: what a rebinding attack would reach. */
  static final class Victim implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();

    Victim() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try (Socket s = server.accept()) {
                    accepted.incrementAndGet();
                  } catch (IOException e) {
                    return;
                  }
                }
              },
              "victim");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    int connections() {
      return accepted.get();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
