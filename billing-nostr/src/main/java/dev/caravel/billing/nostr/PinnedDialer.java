package dev.caravel.billing.nostr;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Opens connections to relays the host did not configure: the {@link AddressPolicy} resolves the
 * name once and checks every address, and the socket goes to one of those checked addresses, never
 * to a second resolution. TLS still speaks to the name: it is the SNI server name and the name the
 * certificate must be valid for, and callers send it as the HTTP {@code Host}.
 *
 * <p>{@code java.net.http}'s WebSocket resolves the name itself when it dials, which is why these
 * relays go through this class and {@link PinnedWebSocket} instead.
 *
 * @param policy decides, at every call, which addresses may be dialled
 * @param opener makes the TCP connection (tests stub it to see where a dial would go)
 * @param tls the TLS context (the pool's HTTP client's: its trust store)
 * @param timeout for the TCP connect, and for each read until the caller changes it
 */
record PinnedDialer(AddressPolicy policy, SocketOpener opener, SSLContext tls, Duration timeout) {

  /** Opens a TCP connection to one address. */
  @FunctionalInterface
  interface SocketOpener {
    Socket open(InetSocketAddress address, int timeoutMillis) throws IOException;
  }

  /** A plain {@link Socket} connect. */
  static final SocketOpener DIRECT =
      (address, timeoutMillis) -> {
        Socket socket = new Socket();
        try {
          socket.connect(address, timeoutMillis);
          return socket;
        } catch (IOException | RuntimeException e) {
          socket.close();
          throw e;
        }
      };

  PinnedDialer {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(opener, "opener");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(timeout, "timeout");
  }

  /** A refusal by the address policy: the relay is not dialled at all. */
  static final class AddressRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    AddressRefusedException(String reason) {
      super(reason);
    }
  }

  /**
   * A connected socket (TLS, handshaken, for {@code wss://}) to a checked address of {@code relay}.
   *
   * @throws AddressRefusedException when the policy refuses the relay now
   * @throws IOException when no checked address could be reached, or TLS failed
   */
  Socket dial(URI relay) throws IOException {
    AddressPolicy.Verdict verdict = policy.check(relay);
    if (verdict instanceof AddressPolicy.Refused refused) {
      throw new AddressRefusedException(refused.reason());
    }
    AddressPolicy.Dialable target = (AddressPolicy.Dialable) verdict;
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    IOException last = null;
    for (InetAddress address : target.addresses()) {
      Socket socket;
      try {
        socket = opener.open(new InetSocketAddress(address, target.port()), millis);
      } catch (IOException e) {
        last = e; // the next checked address, if any
        continue;
      }
      try {
        socket.setSoTimeout(millis);
        socket.setTcpNoDelay(true);
        return target.tls() ? secure(socket, target) : socket;
      } catch (IOException | RuntimeException e) {
        socket.close();
        throw e;
      }
    }
    throw last != null ? last : new IOException("no address to dial for " + target.host());
  }

  /** TLS over {@code socket}, for the relay's name: SNI, and a certificate valid for the name. */
  private SSLSocket secure(Socket socket, AddressPolicy.Dialable target) throws IOException {
    SSLSocket ssl =
        (SSLSocket) tls.getSocketFactory().createSocket(socket, target.host(), target.port(), true);
    SSLParameters parameters = ssl.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    // An IP literal has no SNI (RFC 6066); its certificate must name the address instead.
    if (AddressPolicy.literal(target.host()) == null) {
      parameters.setServerNames(List.of(new SNIHostName(target.host())));
    }
    ssl.setSSLParameters(parameters);
    ssl.startHandshake();
    return ssl;
  }

  /**
   * The start of an HTTP/1.1 GET of {@code target}'s path on a pinned connection to {@code relay}:
   * the request line and the relay's {@code Host} header, each ended by CRLF; the caller adds its
   * own headers and the blank line.
   */
  static String getRequestHead(URI target, URI relay) {
    String path =
        target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
    String query = target.getRawQuery() == null ? "" : "?" + target.getRawQuery();
    return "GET " + path + query + " HTTP/1.1\r\nHost: " + hostHeader(relay) + "\r\n";
  }

  /** The HTTP {@code Host} of {@code relay}: its name, and its port when the URL gives one. */
  static String hostHeader(URI relay) {
    return relay.getHost() + (relay.getPort() >= 0 ? ":" + relay.getPort() : "");
  }
}
