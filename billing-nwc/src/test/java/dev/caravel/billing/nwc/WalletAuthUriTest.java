package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.nostr.NostrKeys;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Writing and reading {@code nostr+walletauth://} URIs: NWC-08's names and the older ones. */
class WalletAuthUriTest {
  static final String CLIENT = NostrKeys.generate().publicKeyHex();
  static final String STATE = "0123456789abcdef0123456789abcdef";

  static WalletAuthUri sample() {
    return new WalletAuthUri(
        CLIENT,
        List.of(URI.create("wss://relay.example.com/v1"), URI.create("wss://two.example.org")),
        Optional.of(STATE),
        Optional.of("Caravel Relays & Co"),
        Optional.of("https://relays.example/icon.png"),
        List.of("pay_invoice", "get_budget"),
        List.of(),
        List.of("payment_sent"),
        OptionalLong.of(42_000_000),
        Optional.of(BudgetRenewal.MONTHLY),
        Optional.of(Instant.ofEpochSecond(1_900_000_000L)),
        Optional.empty());
  }

  @Test
  void writesEveryFieldUnderNwc08sNamesAndAlbysBudgetRenewal() {
    String uri = sample().toUri();

    assertThat(uri)
        .startsWith("nostr+walletauth://" + CLIENT + "?")
        .contains("relay=wss%3A%2F%2Frelay.example.com%2Fv1")
        .contains("relay=wss%3A%2F%2Ftwo.example.org")
        .contains("state=" + STATE)
        .contains("request_methods=pay_invoice%20get_budget")
        .contains("notification_types=payment_sent")
        .contains("max_amount=42000000")
        .contains("budget_renewal=monthly")
        .contains("renewal_period=monthly")
        .contains("expires_at=1900000000")
        .contains("name=Caravel%20Relays%20%26%20Co")
        .contains("icon=https%3A%2F%2Frelays.example%2Ficon.png");
    assertThat(uri.substring(uri.indexOf('?'))).doesNotContain("+");
  }

  @Test
  void readsBackWhatItWrites() {
    WalletAuthUri written = sample();
    assertThat(WalletAuthUri.parse(written.toUri())).isEqualTo(written);
  }

  @Test
  void readsAlbysFormWithPlusAsSpaceAndAWalletSpecificScheme() {
    WalletAuthUri read =
        WalletAuthUri.parse(
            "nostr+walletauth+alby://"
                + CLIENT
                + "?relay=wss%3A%2F%2Frelay.getalby.com&max_amount=500000000"
                + "&budget_renewal=daily&request_methods=get_info+pay_invoice&name=Alby+Go");

    assertThat(read.walletName()).contains("alby");
    assertThat(read.relays()).containsExactly(URI.create("wss://relay.getalby.com"));
    assertThat(read.requestMethods()).containsExactly("get_info", "pay_invoice");
    assertThat(read.maxAmountMsats()).hasValue(500_000_000);
    assertThat(read.budgetRenewal()).contains(BudgetRenewal.DAILY);
    assertThat(read.name()).contains("Alby Go");
    assertThat(read.state()).isEmpty();
  }

  @Test
  void readsNip67sOlderNames() {
    WalletAuthUri read =
        WalletAuthUri.parse(
            "nostr+walletauth://"
                + CLIENT
                + "?relay=wss%3A%2F%2Frelay.damus.io&secret=b8a30fafa48d4795b6c0eec169a383de"
                + "&required_commands=pay_invoice%20make_invoice&optional_commands=list_transactions"
                + "&budget=10000%2Fdaily&identity=whoever");

    assertThat(read.state()).contains("b8a30fafa48d4795b6c0eec169a383de");
    assertThat(read.requestMethods()).containsExactly("pay_invoice", "make_invoice");
    assertThat(read.optionalRequestMethods()).containsExactly("list_transactions");
    assertThat(read.maxAmountMsats()).hasValue(10_000_000);
    assertThat(read.budgetRenewal()).contains(BudgetRenewal.DAILY);
  }

  @ParameterizedTest
  @CsvSource({"25/year,YEARLY", "25/month,MONTHLY", "25/week,WEEKLY", "25/day,DAILY"})
  void readsNip67BudgetPeriodsWrittenAsNouns(String budget, BudgetRenewal renewal) {
    WalletAuthUri read =
        WalletAuthUri.parse(
            "nostr+walletauth://" + CLIENT + "?relay=wss://r.example&budget=" + budget);
    assertThat(read.budgetRenewal()).contains(renewal);
    assertThat(read.maxAmountMsats()).hasValue(25_000);
  }

  @Test
  void theCurrentNamesWinOverTheOlderOnes() {
    WalletAuthUri read =
        WalletAuthUri.parse(
            "nostr+walletauth:"
                + CLIENT
                + "?secret=aa&state=bb&relay=wss://r.example&required_commands=make_invoice"
                + "&request_methods=pay_invoice&budget=1%2Fdaily&max_amount=7000");
    assertThat(read.state()).contains("bb");
    assertThat(read.requestMethods()).containsExactly("pay_invoice");
    assertThat(read.maxAmountMsats()).hasValue(7000);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "nostr+walletconnect://PK?relay=wss://r.example|must start with nostr+walletauth://",
        "nostr+walletauth://PK|has no query",
        "nostr+walletauth://abc?relay=wss://r.example|client public key must be 64 hex",
        "nostr+walletauth://PK?name=x|has no relay",
        "nostr+walletauth://PK?relay=https://r.example|relay must be a ws:// or wss:// URL",
        "nostr+walletauth://PK?relay=wss://r.example&state=xyz|state must be hex",
        "nostr+walletauth://PK?relay=wss://r.example&max_amount=-5|max_amount must be a positive",
        "nostr+walletauth://PK?relay=wss://r.example&max_amount=lots|max_amount must be a positive",
        "nostr+walletauth://PK?relay=wss://r.example&budget_renewal=fortnightly|must be never, daily",
        "nostr+walletauth://PK?relay=wss://r.example&budget_renewal=daily&renewal_period=monthly|disagree",
        "nostr+walletauth://PK?relay=wss://r.example&budget=100|budget must read <sats>/<period>",
        "nostr+walletauth://PK?relay=wss://r.example&request_methods=pay_invoice%20rm%20-rf|not a method",
        "nostr+walletauth://PK?relay=wss://r.example&icon=http://x.example/i.png|icon must be an https",
        "nostr+walletauth://PK?relay=wss://r.example&name=%zz|not valid percent-encoding",
        "nostr+walletauth://PK?relay=wss://r.example&state=aa&state=bb|more than one state"
      })
  void malformedUrisAreRefusedSayingWhatIsWrong(String uri, String why) {
    assertThatThrownBy(() -> WalletAuthUri.parse(uri.replace("PK", CLIENT)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("malformed walletauth URI: ")
        .hasMessageContaining(why);
  }

  @Test
  void aClientKeyOffTheCurveIsRefused() {
    // x = 5 has no point on secp256k1 (5^3 + 7 = 132 is not a square mod p).
    String offCurve = "0".repeat(63) + "5";
    assertThatThrownBy(
            () -> WalletAuthUri.parse("nostr+walletauth://" + offCurve + "?relay=wss://r.x"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("not a point on secp256k1");
  }

  @Test
  void emptyAndOversizedInputIsRefusedUnread() {
    assertThatThrownBy(() -> WalletAuthUri.parse(" "))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> WalletAuthUri.parse(null)).isInstanceOf(InvalidInputException.class);
    String huge = "nostr+walletauth://" + CLIENT + "?relay=wss://r.x&name=" + "a".repeat(5000);
    assertThatThrownBy(() -> WalletAuthUri.parse(huge))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("longer than 4096");
  }
}
