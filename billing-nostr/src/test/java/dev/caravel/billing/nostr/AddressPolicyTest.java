package dev.caravel.billing.nostr;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which addresses an untrusted relay URL may resolve to: the IANA special-purpose registries, and
 * the policy's decision (literal addresses and a stub resolver: no DNS, nothing dialled).
 */
class AddressPolicyTest {
  private static final AddressPolicy.HostResolver NO_DNS =
      host -> {
        throw new UnknownHostException(host);
      };

  @ParameterizedTest
  @CsvSource({
    "127.0.0.1, loopback",
    "127.255.255.254, loopback",
    "::1, loopback",
    "10.1.2.3, private",
    "172.16.0.1, private",
    "172.31.255.255, private",
    "192.168.10.20, private",
    "fd12:3456::1, private",
    "fc00::1, private",
    "100.64.0.1, shared (carrier-grade NAT)",
    "100.127.255.254, shared (carrier-grade NAT)",
    "169.254.169.254, link-local",
    "fe80::1, link-local",
    "0.0.0.0, unspecified",
    "0.1.2.3, unspecified",
    "::, unspecified",
    "224.0.0.1, multicast",
    "239.255.255.250, multicast",
    "ff02::1, multicast",
    "240.0.0.1, reserved",
    "255.255.255.255, reserved",
    "192.88.99.1, reserved",
    "fec0::1, reserved",
    "4000::1, reserved",
    "192.0.2.1, documentation",
    "198.51.100.7, documentation",
    "203.0.113.7, documentation",
    "2001:db8::1, documentation",
    "3fff::1, documentation",
    "198.18.0.1, benchmarking",
    "198.19.255.254, benchmarking",
    "2001:2::1, benchmarking",
    "192.0.0.1, IETF protocol assignment",
    "192.0.0.170, IETF protocol assignment",
    "2001::1, IETF protocol assignment",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2, IETF protocol assignment",
    "64:ff9b:1::a00:1, local-use NAT64",
    "100::1, discard-only",
    "8.8.8.8, public",
    "100.128.0.1, public",
    "198.20.0.1, public",
    "192.0.1.1, public",
    "2606:4700::1111, public",
    "2a00:1450:4001::200e, public",
  })
  void classifiesByTheIanaRegistries(String address, String kind) throws Exception {
    assertThat(SpecialPurposeAddresses.classify(InetAddress.getByName(address)).kind().label)
        .isEqualTo(kind);
  }

  /** IPv4 carried in IPv6 is judged as the IPv4 address, or refused outright. */
  @ParameterizedTest
  @CsvSource({
    "0:0:0:0:0:ffff:7f00:1, loopback, IPv4-mapped 127.0.0.1",
    "0:0:0:0:0:ffff:808:808, public, IPv4-mapped 8.8.8.8",
    "::7f00:1, IPv4-compatible (deprecated), carrying 127.0.0.1",
    "::808:808, IPv4-compatible (deprecated), carrying 8.8.8.8",
    "64:ff9b::7f00:1, loopback, 127.0.0.1 carried in NAT64 64:ff9b::/96",
    "64:ff9b::a9fe:a9fe, link-local, 169.254.169.254 carried in NAT64 64:ff9b::/96",
    "64:ff9b::808:808, public, 8.8.8.8 carried in NAT64 64:ff9b::/96",
    "2002:7f00:1::1, loopback, 127.0.0.1 carried in 6to4 2002::/16",
    "2002:c0a8:101::1, private, 192.168.1.1 carried in 6to4 2002::/16",
    "2002:c612:1::1, benchmarking, 198.18.0.1 carried in 6to4 2002::/16",
    "2002:808:808::1, public, 8.8.8.8 carried in 6to4 2002::/16",
  })
  void looksThroughTheIpv4FormsOfIpv6(String address, String kind, String carrier)
      throws Exception {
    SpecialPurposeAddresses.Classified found = SpecialPurposeAddresses.classify(ipv6(address));
    assertThat(found.kind().label).isEqualTo(kind);
    assertThat(found.carrier()).isEqualTo(carrier);
  }

  @ParameterizedTest
  @CsvSource({
    "wss://127.0.0.1:7000, false, false, loopback",
    "wss://127.0.0.1:7000, true, false, ",
    "wss://10.0.0.7, true, false, private",
    "wss://10.0.0.7, false, true, ",
    "wss://100.64.1.1, false, true, ",
    "wss://[fd00::1], true, false, private",
    "wss://169.254.169.254/latest, true, true, link-local",
    "wss://198.18.0.1, true, true, benchmarking",
    "wss://192.0.0.8, true, true, IETF protocol assignment",
    "wss://[64:ff9b::7f00:1], true, true, loopback (127.0.0.1 carried in NAT64 64:ff9b::/96)",
    "wss://[2002:a00:1::1], true, true, private (10.0.0.1 carried in 6to4 2002::/16)",
    "wss://8.8.8.8, false, false, ",
  })
  void refusesUnlessAllowed(String url, boolean loopback, boolean privateOk, String kind) {
    AddressPolicy.Verdict verdict =
        new AddressPolicy(loopback, privateOk, false, AddressPolicy.SYSTEM_RESOLVER)
            .check(URI.create(url));
    if (kind == null) {
      assertThat(verdict).isInstanceOf(AddressPolicy.Dialable.class);
    } else {
      assertThat(verdict)
          .isInstanceOfSatisfying(
              AddressPolicy.Refused.class,
              r ->
                  assertThat(r.reason())
                      .startsWith("refused by the relay pool: ")
                      .contains(" " + kind + " address"));
    }
  }

  @Test
  void oneRefusedAddressAmongPublicOnesRefusesTheName() throws Exception {
    AddressPolicy policy =
        new AddressPolicy(
            false,
            false,
            false,
            host -> List.of(InetAddress.getByName("8.8.8.8"), InetAddress.getByName("10.0.0.1")));
    assertThat(policy.check(URI.create("wss://relay.example.test")))
        .isInstanceOfSatisfying(
            AddressPolicy.Refused.class,
            r -> assertThat(r.reason()).contains("relay.example.test resolves to a private"));
  }

  @Test
  void theCheckResolvesOnceAndHandsBackTheAddressesItChecked() throws Exception {
    List<String> asked = new ArrayList<>();
    InetAddress publicOne = InetAddress.getByName("8.8.4.4");
    AddressPolicy policy =
        new AddressPolicy(
            false,
            false,
            false,
            host -> {
              asked.add(host);
              return List.of(publicOne);
            });
    assertThat(policy.check(URI.create("wss://relay.example.test:4443/x")))
        .isEqualTo(
            new AddressPolicy.Dialable("relay.example.test", 4443, true, List.of(publicOne)));
    assertThat(asked).containsExactly("relay.example.test");
  }

  @Test
  void wsIsRefusedUnlessAllowedAndNothingIsResolvedForIt() {
    AddressPolicy strict = new AddressPolicy(true, true, false, NO_DNS);
    assertThat(strict.check(URI.create("ws://relay.example.test")))
        .isInstanceOfSatisfying(
            AddressPolicy.Refused.class, r -> assertThat(r.reason()).contains("is ws:// (no TLS)"));
    assertThat(new AddressPolicy(true, true, true, NO_DNS).check(URI.create("ws://127.0.0.1")))
        .isEqualTo(
            new AddressPolicy.Dialable(
                "127.0.0.1", 80, false, List.of(InetAddress.getLoopbackAddress())));
  }

  @Test
  void aNameThatDoesNotResolveIsRefused() {
    assertThat(new AddressPolicy(false, false, false, NO_DNS).check(URI.create("wss://nowhere")))
        .isEqualTo(
            new AddressPolicy.Refused("refused by the relay pool: nowhere does not resolve"));
  }

  /** An Inet6Address even for a mapped address (the JDK turns those into Inet4Address). */
  static InetAddress ipv6(String literal) throws UnknownHostException {
    byte[] bytes = new byte[16];
    String[] halves = literal.split("::", -1);
    String[] head = halves[0].isEmpty() ? new String[0] : halves[0].split(":");
    String[] tail = halves.length < 2 || halves[1].isEmpty() ? new String[0] : halves[1].split(":");
    for (int i = 0; i < head.length; i++) {
      int v = Integer.parseInt(head[i], 16);
      bytes[2 * i] = (byte) (v >>> 8);
      bytes[2 * i + 1] = (byte) v;
    }
    for (int i = 0; i < tail.length; i++) {
      int v = Integer.parseInt(tail[i], 16);
      int at = 16 - 2 * (tail.length - i);
      bytes[at] = (byte) (v >>> 8);
      bytes[at + 1] = (byte) v;
    }
    return Inet6Address.getByAddress(null, bytes, -1);
  }
}
