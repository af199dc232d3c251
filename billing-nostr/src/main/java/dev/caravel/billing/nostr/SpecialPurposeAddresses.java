package dev.caravel.billing.nostr;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The IANA special-purpose address registries for IPv4 and IPv6, read for one question: what kind
 * of address did a tenant's relay name resolve to. Only public addresses are fit for a relay the
 * host did not configure; loopback and private ones only when the host allows them (tests, a
 * private network), and everything else never.
 *
 * <p>IPv6 is read as an allow list: only global unicast (2000::/3) can be public, minus its special
 * blocks, so a block IANA assigns later outside 2000::/3 is refused without an update here. The
 * IPv4 forms that IPv6 can carry are unwrapped and the IPv4 address judged: mapped
 * (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16). IPv4-compatible addresses
 * (::a.b.c.d, deprecated), local-use NAT64 (64:ff9b:1::/48) and Teredo (in 2001::/23) are refused
 * outright: no relay needs them, and their embedded address need not be where it seems.
 */
final class SpecialPurposeAddresses {
  private SpecialPurposeAddresses() {}

  /** What an address is for; every kind but {@link #PUBLIC} is special-purpose. */
  enum Kind {
    PUBLIC("public"),
    LOOPBACK("loopback"),
    /** RFC 1918 and unique local (fc00::/7): a site's own network. */
    PRIVATE("private"),
    /** 100.64.0.0/10, RFC 6598: a provider's network behind carrier-grade NAT. */
    SHARED("shared (carrier-grade NAT)"),
    LINK_LOCAL("link-local"),
    UNSPECIFIED("unspecified"),
    MULTICAST("multicast"),
    DOCUMENTATION("documentation"),
    BENCHMARKING("benchmarking"),
    /** 192.0.0.0/24 and 2001::/23 (Teredo among them). */
    PROTOCOL_ASSIGNMENTS("IETF protocol assignment"),
    /** Local-use NAT64, 64:ff9b:1::/48 (RFC 8215). */
    TRANSLATION("local-use NAT64"),
    /** IPv4-compatible IPv6 (::a.b.c.d), deprecated by RFC 4291. */
    IPV4_COMPATIBLE("IPv4-compatible (deprecated)"),
    DISCARD("discard-only"),
    RESERVED("reserved");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /**
   * What {@link #classify} found.
   *
   * @param kind the kind of the address, or of the IPv4 address it carries
   * @param carrier for an IPv4 address carried in IPv6, how it was carried (e.g. "NAT64
   *     64:ff9b::/96"), and the IPv4 address; else null
   */
  record Classified(Kind kind, String carrier) {
    /** "loopback", or "loopback (127.0.0.1 carried in NAT64 64:ff9b::/96)". */
    String describe() {
      return carrier == null ? kind.label : kind.label + " (" + carrier + ")";
    }
  }

  private record Block(byte[] prefix, int bits, Kind kind) {
    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      int whole = bits / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[whole] & mask) == (prefix[whole] & mask);
    }
  }

  /** The IPv4 registry; the first block that contains an address names its kind. */
  private static final List<Block> IPV4 =
      List.of(
          block("0.0.0.0/8", Kind.UNSPECIFIED), // "this network"
          block("10.0.0.0/8", Kind.PRIVATE),
          block("100.64.0.0/10", Kind.SHARED),
          block("127.0.0.0/8", Kind.LOOPBACK),
          block("169.254.0.0/16", Kind.LINK_LOCAL),
          block("172.16.0.0/12", Kind.PRIVATE),
          block("192.0.0.0/24", Kind.PROTOCOL_ASSIGNMENTS),
          block("192.0.2.0/24", Kind.DOCUMENTATION),
          block("192.88.99.0/24", Kind.RESERVED), // the retired 6to4 relay anycast
          block("192.168.0.0/16", Kind.PRIVATE),
          block("198.18.0.0/15", Kind.BENCHMARKING),
          block("198.51.100.0/24", Kind.DOCUMENTATION),
          block("203.0.113.0/24", Kind.DOCUMENTATION),
          block("224.0.0.0/4", Kind.MULTICAST),
          block("240.0.0.0/4", Kind.RESERVED)); // 255.255.255.255 (broadcast) included

  /** Special blocks inside global unicast (2000::/3); the first that contains an address wins. */
  private static final List<Block> IPV6_GLOBAL =
      List.of(
          block("2001:2::/48", Kind.BENCHMARKING),
          block("2001::/23", Kind.PROTOCOL_ASSIGNMENTS), // Teredo 2001::/32 included
          block("2001:db8::/32", Kind.DOCUMENTATION),
          block("3fff::/20", Kind.DOCUMENTATION));

  /** IPv6 outside global unicast that has a name of its own; the rest is reserved. */
  private static final List<Block> IPV6_OTHER =
      List.of(
          block("64:ff9b:1::/48", Kind.TRANSLATION),
          block("100::/64", Kind.DISCARD),
          block("fc00::/7", Kind.PRIVATE),
          block("fe80::/10", Kind.LINK_LOCAL),
          block("ff00::/8", Kind.MULTICAST));

  private static final Block GLOBAL_UNICAST = block("2000::/3", Kind.PUBLIC);
  private static final Block NAT64 = block("64:ff9b::/96", Kind.PUBLIC);
  private static final Block SIX_TO_FOUR = block("2002::/16", Kind.PUBLIC);

  /** The kind of {@code address}, looking through the IPv4 forms IPv6 carries. */
  static Classified classify(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length == 4) {
      return new Classified(ipv4(b), null);
    }
    if (isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      // Mapped: a dual-stack socket dials the IPv4 address itself, so it is judged as one.
      byte[] v4 = slice(b, 12);
      return new Classified(ipv4(v4), "IPv4-mapped " + dotted(v4));
    }
    if (isZero(b, 0, 12)) {
      if (isZero(b, 12, 15)) {
        if (b[15] == 0) {
          return new Classified(Kind.UNSPECIFIED, null);
        }
        if (b[15] == 1) {
          return new Classified(Kind.LOOPBACK, null);
        }
      }
      return new Classified(Kind.IPV4_COMPATIBLE, "carrying " + dotted(slice(b, 12)));
    }
    if (NAT64.contains(b)) {
      return carried(slice(b, 12), "NAT64 64:ff9b::/96");
    }
    if (SIX_TO_FOUR.contains(b)) {
      return carried(slice(b, 2), "6to4 2002::/16");
    }
    if (GLOBAL_UNICAST.contains(b)) {
      return new Classified(firstKind(IPV6_GLOBAL, b, Kind.PUBLIC), null);
    }
    return new Classified(firstKind(IPV6_OTHER, b, Kind.RESERVED), null);
  }

  /**
   * An IPv4 address reached through a translator or tunnel: public only when the IPv4 address is; a
   * special-purpose one keeps its kind, so the refusal says what it really is.
   */
  private static Classified carried(byte[] v4, String how) {
    return new Classified(ipv4(v4), dotted(v4) + " carried in " + how);
  }

  private static Kind ipv4(byte[] b) {
    return firstKind(IPV4, b, Kind.PUBLIC);
  }

  private static Kind firstKind(List<Block> registry, byte[] address, Kind otherwise) {
    for (Block block : registry) {
      if (block.contains(address)) {
        return block.kind();
      }
    }
    return otherwise;
  }

  private static boolean isZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static byte[] slice(byte[] b, int from) {
    return java.util.Arrays.copyOfRange(b, from, from + 4);
  }

  private static String dotted(byte[] v4) {
    return (v4[0] & 0xff) + "." + (v4[1] & 0xff) + "." + (v4[2] & 0xff) + "." + (v4[3] & 0xff);
  }

  /** A registry row from a literal CIDR; literals never reach DNS. */
  private static Block block(String cidr, Kind kind) {
    int slash = cidr.indexOf('/');
    try {
      byte[] prefix = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
      return new Block(prefix, Integer.parseInt(cidr.substring(slash + 1)), kind);
    } catch (UnknownHostException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
