package dev.caravel.billing.nostr;

import dev.caravel.billing.nostr.SpecialPurposeAddresses.Classified;
import dev.caravel.billing.nostr.SpecialPurposeAddresses.Kind;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;

/**
 * Which relays the pool may dial for URLs it did not get from the host application (a tenant's kind
 * 10050/10002 lists, a tenant's NWC URI, the indexer relays): {@code wss://} only unless {@code
 * ws://} is allowed, and a host whose every address is public (see {@link
 * SpecialPurposeAddresses}); loopback and private addresses only when allowed.
 *
 * <p>{@link #check} resolves the host <b>once</b> and hands back the addresses it checked: the
 * caller dials those and nothing else, so a name that answers a public address to the check and
 * 127.0.0.1 to the dial (DNS rebinding) cannot get through. It runs again at every (re)connect.
 *
 * @param allowLoopback dial relays on loopback addresses (tests on 127.0.0.1)
 * @param allowPrivate dial relays on private (RFC 1918, fc00::/7) and carrier-grade NAT addresses
 * @param allowUnencrypted dial {@code ws://} relays (no TLS)
 * @param resolver how a host name becomes addresses (the JDK's resolver; tests stub it)
 */
record AddressPolicy(
    boolean allowLoopback, boolean allowPrivate, boolean allowUnencrypted, HostResolver resolver) {

  /** Name resolution, pluggable so that tests can play a rebinding DNS server. */
  @FunctionalInterface
  interface HostResolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  /** The JDK's resolver ({@code InetAddress.getAllByName}); literal addresses need no DNS. */
  static final HostResolver SYSTEM_RESOLVER = host -> List.of(InetAddress.getAllByName(host));

  AddressPolicy {
    Objects.requireNonNull(resolver, "resolver");
  }

  /** What {@link #check} decided. */
  sealed interface Verdict permits Refused, Dialable {}

  /** Not to be dialled; {@code reason} names the relay and why, never a secret. */
  record Refused(String reason) implements Verdict {}

  /**
   * May be dialled, at these addresses only.
   *
   * @param host the relay's name (no brackets): the TLS server name and the certificate's subject
   * @param port the port to dial
   * @param tls whether the connection is TLS ({@code wss://})
   * @param addresses every address the name resolved to, each one checked
   */
  record Dialable(String host, int port, boolean tls, List<InetAddress> addresses)
      implements Verdict {
    Dialable {
      addresses = List.copyOf(addresses);
    }
  }

  /** Null when the URL's scheme may be used, else why not; resolves nothing. */
  String schemeRefusal(URI relay) {
    if ("ws".equals(relay.getScheme()) && !allowUnencrypted) {
      return "refused by the relay pool: "
          + relay
          + " is ws:// (no TLS); a relay the host application did not configure must be wss://"
          + " unless it allows ws://";
    }
    return null;
  }

  /** Resolves {@code relay}'s host once and checks every address it resolves to. */
  Verdict check(URI relay) {
    String scheme = schemeRefusal(relay);
    if (scheme != null) {
      return new Refused(scheme);
    }
    String host = hostOf(relay);
    List<InetAddress> addresses;
    try {
      InetAddress literal = literal(host);
      addresses = literal != null ? List.of(literal) : resolver.resolve(host);
    } catch (UnknownHostException e) {
      return new Refused("refused by the relay pool: " + host + " does not resolve");
    } catch (SecurityException e) {
      return new Refused("refused by the relay pool: " + host + " may not be resolved");
    }
    if (addresses == null || addresses.isEmpty()) {
      return new Refused("refused by the relay pool: " + host + " does not resolve");
    }
    for (InetAddress address : addresses) {
      String refusal = refusal(host, address);
      if (refusal != null) {
        return new Refused(refusal);
      }
    }
    boolean tls = "wss".equals(relay.getScheme());
    int port = relay.getPort() >= 0 ? relay.getPort() : tls ? 443 : 80;
    return new Dialable(host, port, tls, addresses);
  }

  /** Null when {@code address} may be dialled for {@code host}, else why not. */
  private String refusal(String host, InetAddress address) {
    Classified found = SpecialPurposeAddresses.classify(address);
    if (allowed(found)) {
      return null;
    }
    String because =
        found.kind() == Kind.LOOPBACK || found.kind() == Kind.PRIVATE || found.kind() == Kind.SHARED
            ? "the host application has not allowed such relays"
            : "such an address is never dialled for a relay the host application did not"
                + " configure";
    return "refused by the relay pool: "
        + host
        + " resolves to "
        + (found.kind().label.matches("(?i)[aeiou].*") ? "an " : "a ")
        + found.describe()
        + " address ("
        + address.getHostAddress()
        + "); "
        + because;
  }

  /**
   * Public addresses always; loopback and private ones when allowed, but only as themselves or
   * IPv4-mapped: one carried through NAT64 or 6to4 goes to a translator or tunnel, not to the
   * address it names.
   */
  private boolean allowed(Classified found) {
    boolean plain = found.carrier() == null || found.carrier().startsWith("IPv4-mapped");
    return switch (found.kind()) {
      case PUBLIC -> true;
      case LOOPBACK -> allowLoopback && plain;
      case PRIVATE, SHARED -> allowPrivate && plain;
      default -> false;
    };
  }

  /**
   * The address {@code host} spells, when it is an IPv6 literal or a dotted-quad IPv4 one: parsed
   * here, never sent to DNS or to the resolver. Null for a name. (Other numeric forms, such as
   * {@code 127.1}, go to the resolver; the JDK's parses them as addresses too, and the check sees
   * what they are.)
   */
  static InetAddress literal(String host) throws UnknownHostException {
    if (host.indexOf(':') >= 0) {
      // In brackets the JDK takes it as an IPv6 literal or fails: never a DNS query.
      return InetAddress.getByName("[" + host + "]");
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] octets = new byte[4];
    for (int i = 0; i < 4; i++) {
      if (!parts[i].matches("\\d{1,3}") || Integer.parseInt(parts[i]) > 255) {
        return null;
      }
      octets[i] = (byte) Integer.parseInt(parts[i]);
    }
    return InetAddress.getByAddress(host, octets);
  }

  /** The URL's host without the brackets of an IPv6 literal. */
  static String hostOf(URI relay) {
    String host = relay.getHost();
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
