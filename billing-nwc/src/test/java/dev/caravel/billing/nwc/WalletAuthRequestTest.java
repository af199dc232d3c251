package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.nostr.NostrKeys;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A walletauth request: its fresh key and state, its URI, its argument checks, resuming it. */
class WalletAuthRequestTest {
  static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  static WalletAuthRequest.Builder valid() {
    return WalletAuthRequest.builder()
        .relay("wss://relay.example.com")
        .name("Caravel Relays")
        .maxAmountMsats(42_000_000)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void eachRequestHasAFreshClientKeyAndAnUnguessableState() {
    WalletAuthRequest a = valid().build();
    WalletAuthRequest b = valid().build();

    assertThat(a.clientPubkey()).isNotEqualTo(b.clientPubkey());
    assertThat(a.state()).isNotEqualTo(b.state()).matches("[0-9a-f]{32}");
    assertThat(NostrKeys.fromSecretHex(a.clientSecretHex()).publicKeyHex())
        .isEqualTo(a.clientPubkey());
    assertThat(a.createdAt()).isEqualTo(NOW);
  }

  @Test
  void theUriAsksForPaymentsAndTheBudgetWithAMonthlyLimitByDefault() {
    WalletAuthRequest request = valid().icon("https://relays.example/icon.png").build();
    WalletAuthUri read = WalletAuthUri.parse(request.uri());

    assertThat(read.clientPubkey()).isEqualTo(request.clientPubkey());
    assertThat(read.relays()).containsExactly(URI.create("wss://relay.example.com"));
    assertThat(read.state()).contains(request.state());
    assertThat(read.name()).contains("Caravel Relays");
    assertThat(read.icon()).contains("https://relays.example/icon.png");
    assertThat(read.requestMethods()).containsExactly("pay_invoice", "get_budget");
    assertThat(read.notificationTypes()).containsExactly("payment_sent");
    assertThat(read.maxAmountMsats()).hasValue(42_000_000);
    assertThat(read.budgetRenewal()).contains(BudgetRenewal.MONTHLY);
    assertThat(read.expiresAt()).isEmpty();
    assertThat(request.uri()).doesNotContain(request.clientSecretHex());
    assertThat(request.toString())
        .doesNotContain(request.clientSecretHex())
        .contains("secret=<redacted>");
  }

  @Test
  void severalRelaysOtherMethodsNoNotificationsAndAnExpiryAreWritten() {
    WalletAuthRequest request =
        valid()
            .relay("wss://two.example.org/")
            .relay("wss://relay.example.com") // a duplicate counts once
            .requestMethods("pay_invoice", "get_budget", "get_info")
            .notificationTypes()
            .budgetRenewal(BudgetRenewal.WEEKLY)
            .expiresAt(NOW.plusSeconds(86_400))
            .build();
    WalletAuthUri read = WalletAuthUri.parse(request.uri());

    assertThat(read.relays())
        .containsExactly(
            URI.create("wss://relay.example.com"), URI.create("wss://two.example.org"));
    assertThat(read.requestMethods()).containsExactly("pay_invoice", "get_budget", "get_info");
    assertThat(read.notificationTypes()).isEmpty();
    assertThat(read.budgetRenewal()).contains(BudgetRenewal.WEEKLY);
    assertThat(read.expiresAt()).contains(NOW.plusSeconds(86_400));
  }

  @Test
  void everySetterChecksItsArgumentAtOnce() {
    WalletAuthRequest.Builder b = WalletAuthRequest.builder();
    assertThatThrownBy(() -> b.relay(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.relay("https://relay.example.com"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ws:// or wss://");
    assertThatThrownBy(() -> b.relay("wss://")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.name(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.name(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.name("x".repeat(101))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.icon("http://relays.example/i.png"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("https://");
    assertThatThrownBy(() -> b.icon(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.maxAmountMsats(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxAmountMsats(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.budgetRenewal(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.requestMethods()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.requestMethods("pay invoice"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.requestMethods((String) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.notificationTypes("Payment-Sent"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.expiresAt(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.clock(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void buildRefusesARequestMissingWhatAWalletNeeds() {
    assertThatThrownBy(() -> WalletAuthRequest.builder().name("x").maxAmountMsats(1).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("relay");
    assertThatThrownBy(
            () -> WalletAuthRequest.builder().relay("wss://r.example").maxAmountMsats(1).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(() -> WalletAuthRequest.builder().relay("wss://r.example").name("x").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("maxAmountMsats");
    assertThatThrownBy(() -> valid().requestMethods("get_budget").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("pay_invoice");
    assertThatThrownBy(() -> valid().expiresAt(NOW).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("future");
  }

  @Test
  void aPendingRequestResumesFromItsUriAndSecret() {
    WalletAuthRequest original = valid().build();
    WalletAuthRequest resumed =
        WalletAuthRequest.resume(original.uri(), original.clientSecretHex(), original.createdAt());

    assertThat(resumed.clientPubkey()).isEqualTo(original.clientPubkey());
    assertThat(resumed.state()).isEqualTo(original.state());
    assertThat(resumed.uri()).isEqualTo(original.uri());

    String otherSecret = NostrKeys.generate().secretKeyHex();
    assertThatThrownBy(() -> WalletAuthRequest.resume(original.uri(), otherSecret, NOW))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("does not belong")
        .hasMessageNotContaining(otherSecret);
    assertThatThrownBy(() -> WalletAuthRequest.resume(original.uri(), "zz", NOW))
        .isInstanceOf(InvalidInputException.class);
    String stateless = original.uri().replaceAll("&state=[0-9a-f]+", "");
    assertThatThrownBy(() -> WalletAuthRequest.resume(stateless, original.clientSecretHex(), NOW))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("state");
  }
}
