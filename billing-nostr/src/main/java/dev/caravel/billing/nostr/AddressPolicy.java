package dev.caravel.billing.nostr;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Which relay hosts the pool may dial for URLs it did not get from the host application (a tenant's
 * kind 10050/10002 lists, a tenant's NWC URI): not loopback, link-local, private (RFC 1918,
 * fc00::/7, 100.64.0.0/10), unspecified or multicast addresses, unless allowed. The host is
 * resolved and every address it resolves to must pass.
 */
record AddressPolicy(boolean allowLoopback, boolean allowPrivate) {

  /** Null when {@code relay} may be dialled, else why not (no secret in it: a relay URL). */
  String refusal(URI relay) {
    String host = relay.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      return "refused by the relay pool: " + host + " does not resolve";
    } catch (SecurityException e) {
      return "refused by the relay pool: " + host + " may not be resolved";
    }
    for (InetAddress a : addresses) {
      String kind = kindOf(a);
      if (kind == null) {
        continue;
      }
      boolean allowed = kind.equals("loopback") ? allowLoopback : allowPrivate;
      if (!allowed) {
        return "refused by the relay pool: "
            + host
            + " resolves to a "
            + kind
            + " address ("
            + a.getHostAddress()
            + "); the host application has not allowed such relays";
      }
    }
    return null;
  }

  /** "loopback", "link-local", "private", ... or null for a public address. */
  static String kindOf(InetAddress a) {
    if (a.isLoopbackAddress()) {
      return "loopback";
    }
    if (a.isLinkLocalAddress()) {
      return "link-local";
    }
    if (a.isAnyLocalAddress()) {
      return "unspecified";
    }
    if (a.isMulticastAddress()) {
      return "multicast";
    }
    if (a.isSiteLocalAddress()) {
      return "private";
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      if (first == 100 && second >= 64 && second < 128) {
        return "private"; // carrier-grade NAT, RFC 6598
      }
      if (first == 0 || first >= 240 || (first == 169 && second == 254)) {
        return "private";
      }
    } else if (a instanceof Inet6Address && (b[0] & 0xfe) == 0xfc) {
      return "private"; // unique local, fc00::/7
    }
    return null;
  }
}
