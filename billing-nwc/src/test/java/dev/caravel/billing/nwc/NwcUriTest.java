package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.caravel.billing.InvalidInputException;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

class NwcUriTest {
  static final String WALLET = "b889ff5b1513b641e2a139f661a661364979c5beee91842f8f0ef42ab558e9d4";
  static final String SECRET = "71a8c14c1407c113601079c4302dab36460f0ccd0ad506f1f2dc73b5100e4f3c";
  static final String GOOD =
      "nostr+walletconnect://" + WALLET + "?relay=wss%3A%2F%2Frelay.damus.io&secret=" + SECRET;

  @Test
  void parsesTheSpecExample() {
    NwcUri uri = NwcUri.parse(GOOD);
    assertThat(uri.walletPubkey()).isEqualTo(WALLET);
    assertThat(uri.relays()).containsExactly(URI.create("wss://relay.damus.io"));
    assertThat(uri.secret()).isEqualTo(SECRET);
    assertThat(uri.lud16()).isEmpty();
  }

  @Test
  void parsesSeveralRelaysLud16AndUpperCaseHex() {
    NwcUri uri =
        NwcUri.parse(
            "nostr+walletconnect://"
                + WALLET.toUpperCase()
                + "/?relay=wss://a.example.com/v1"
                + "&relay=wss%3A%2F%2Fb.example.com&relay=wss://a.example.com/v1/&secret="
                + SECRET.toUpperCase()
                + "&lud16=Alice%40getalby.com&name=My+Wallet");
    assertThat(uri.walletPubkey()).isEqualTo(WALLET);
    assertThat(uri.relays())
        .containsExactly(URI.create("wss://a.example.com/v1"), URI.create("wss://b.example.com"));
    assertThat(uri.secret()).isEqualTo(SECRET);
    assertThat(uri.lud16()).contains("alice@getalby.com");
  }

  @Test
  void acceptsTheLegacySchemeAndEqualsByContent() {
    NwcUri legacy = NwcUri.parse(GOOD.replace("nostr+walletconnect://", "nostrwalletconnect://"));
    assertThat(legacy).isEqualTo(NwcUri.parse(GOOD)).hasSameHashCodeAs(NwcUri.parse(GOOD));
    assertThat(legacy).isNotEqualTo(NwcUri.parse(GOOD.replace(SECRET, "1" + SECRET.substring(1))));
  }

  @Test
  void theConnectorValidatesWithoutConnecting() {
    try (NwcWalletConnector connector = new NwcWalletConnector()) {
      connector.validate(GOOD);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> connector.validate(GOOD.replace("secret=", "sekret=")))
          .isInstanceOf(dev.caravel.billing.InvalidInputException.class)
          .hasMessageNotContaining(SECRET);
      assertThat(connector.openConnections()).isZero();
    }
  }

  @Test
  void toStringRedactsTheSecret() {
    String shown = NwcUri.parse(GOOD + "&lud16=a@b.c").toString();
    assertThat(shown).contains(WALLET, "wss://relay.damus.io", "<redacted>").doesNotContain(SECRET);
  }

  static java.util.stream.Stream<String> malformed() {
    return java.util.stream.Stream.of(
        "",
        "   ",
        "https://" + WALLET + "?relay=wss://r.example&secret=" + SECRET,
        "nostr+walletconnect://" + WALLET,
        "nostr+walletconnect://" + WALLET + "?secret=" + SECRET,
        "nostr+walletconnect://" + WALLET + "?relay=wss://r.example",
        "nostr+walletconnect://" + WALLET + "?relay=http://r.example&secret=" + SECRET,
        "nostr+walletconnect://" + WALLET + "?relay=wss://&secret=" + SECRET,
        "nostr+walletconnect://" + WALLET + "?relay=wss://u:p@r.example&secret=" + SECRET,
        "nostr+walletconnect://"
            + WALLET
            + "?relay=wss://r.example/"
            + SECRET
            + "&secret="
            + SECRET,
        "nostr+walletconnect://"
            + WALLET
            + "?relay=wss://r.example&secret="
            + SECRET
            + "&secret="
            + SECRET,
        "nostr+walletconnect://" + WALLET + "?relay=wss://r.example&secret=" + SECRET + "0",
        "nostr+walletconnect://"
            + WALLET
            + "?relay=wss://r.example&secret=zz"
            + SECRET.substring(2),
        "nostr+walletconnect://" + WALLET + "?relay=wss://r.example&secret=" + "0".repeat(64),
        "nostr+walletconnect://" + WALLET + "?relay=wss://r.example&secret=" + "f".repeat(64),
        "nostr+walletconnect://" + WALLET + "?relay=wss://r.example&secret=" + WALLET,
        "nostr+walletconnect://" + WALLET + "?relay=wss%ZZr.example&secret=" + SECRET,
        // x = 5 has no point on secp256k1: refused at parse, not at connect time.
        "nostr+walletconnect://" + "0".repeat(63) + "5?relay=wss://r.example&secret=" + SECRET,
        "nostr+walletconnect://abc?relay=wss://r.example&secret=" + SECRET,
        "nostr+walletconnect://" + SECRET + "0?relay=wss://r.example&secret=" + SECRET);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.MethodSource("malformed")
  void malformedUrisAreRefusedWithoutEchoingThem(String uri) {
    InvalidInputException e =
        catchThrowableOfType(InvalidInputException.class, () -> NwcUri.parse(uri));
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).startsWith("malformed NWC URI: ").doesNotContain(SECRET);
    if (!uri.isBlank()) {
      // Nothing of the input comes back, not even the (public) wallet key or a relay.
      assertThat(e.getMessage()).doesNotContain(WALLET).doesNotContain("r.example");
    }
  }

  @Test
  void isAsLenientAsAlbysSdkWhereTheSpecAllows() {
    // No "//" after the scheme, a '+' that stays a plus, a malformed optional lud16 ignored.
    NwcUri uri =
        NwcUri.parse(
            "nostr+walletconnect:"
                + WALLET
                + "?relay=wss://r.example/a+b&secret="
                + SECRET
                + "&lud16=not-an-address");
    assertThat(uri.walletPubkey()).isEqualTo(WALLET);
    assertThat(uri.relays()).containsExactly(URI.create("wss://r.example/a+b"));
    assertThat(uri.lud16()).isEmpty();
    assertThat(
            NwcUri.parse(
                    "nostrwalletconnect:"
                        + WALLET
                        + "?relay=wss://r.example&secret="
                        + SECRET
                        + "&lud16=tips+caravel@getalby.com")
                .lud16())
        .contains("tips+caravel@getalby.com");
  }

  @Test
  void refusesAnAbsurdlyLongUri() {
    assertThatThrownBy(() -> NwcUri.parse(GOOD + "&x=" + "a".repeat(5000)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("longer than");
  }

  @Test
  void nullIsMalformed() {
    assertThatThrownBy(() -> NwcUri.parse(null)).isInstanceOf(InvalidInputException.class);
  }
}
