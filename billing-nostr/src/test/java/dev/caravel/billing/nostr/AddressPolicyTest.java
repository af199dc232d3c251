package dev.caravel.billing.nostr;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which addresses an untrusted relay URL may resolve to (literal addresses: no DNS). */
class AddressPolicyTest {
  @ParameterizedTest
  @CsvSource({
    "127.0.0.1, loopback",
    "::1, loopback",
    "10.1.2.3, private",
    "172.16.0.1, private",
    "192.168.10.20, private",
    "100.64.0.1, private",
    "100.127.255.254, private",
    "169.254.169.254, link-local",
    "fe80::1, link-local",
    "fd12:3456::1, private",
    "0.0.0.0, unspecified",
    "224.0.0.1, multicast",
    "8.8.8.8, public",
    "100.128.0.1, public",
    "2606:4700::1111, public",
  })
  void classifiesAddresses(String address, String kind) throws Exception {
    String found = AddressPolicy.kindOf(InetAddress.getByName(address));
    assertThat(found == null ? "public" : found).isEqualTo(kind);
  }

  @ParameterizedTest
  @CsvSource({
    "ws://127.0.0.1:7000, false, false, loopback",
    "ws://127.0.0.1:7000, true, false, ",
    "ws://10.0.0.7, true, false, private",
    "ws://10.0.0.7, false, true, ",
    "wss://[fd00::1], true, false, private",
    "wss://169.254.169.254/latest, false, false, link-local",
    "wss://8.8.8.8, false, false, ",
  })
  void refusesUnlessAllowed(String url, boolean loopback, boolean privateOk, String kind) {
    String refusal = new AddressPolicy(loopback, privateOk).refusal(URI.create(url));
    if (kind == null) {
      assertThat(refusal).isNull();
    } else {
      assertThat(refusal)
          .startsWith("refused by the relay pool: ")
          .contains("a " + kind + " address");
    }
  }
}
