package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.nostr.Event;
import dev.caravel.billing.nostr.NostrKeys;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which info events confirm a walletauth request (NWC-08), and the connection each one makes. */
class WalletAuthConfirmationRulesTest {
  final WalletAuthRequest request = WalletAuthRequestTest.valid().build();
  final NostrKeys wallet = NostrKeys.generate();
  final long since = request.createdAt().minus(WalletAuthWaiter.CLOCK_SKEW).getEpochSecond();

  Event info(NostrKeys by, List<List<String>> tags, String content, Instant at) {
    return Event.sign(by, Nip47.INFO_KIND, tags, content, at);
  }

  List<List<String>> tags(String p, String state, String... relays) {
    List<List<String>> tags = new ArrayList<>();
    tags.add(List.of("encryption", "nip44_v2 nip04"));
    if (p != null) {
      tags.add(List.of("p", p));
    }
    if (state != null) {
      tags.add(List.of("state", state));
    }
    for (String relay : relays) {
      tags.add(List.of("relay", relay));
    }
    return tags;
  }

  Event good() {
    return info(
        wallet,
        tags(request.clientPubkey(), request.state()),
        "pay_invoice get_budget",
        request.createdAt());
  }

  @Test
  void theWalletsInfoEventNamingUsWithOurStateConfirms() {
    assertThat(WalletAuthWaiter.whyNot(good(), request, since)).isNull();

    WalletAuthWaiter.Confirmation confirmed = WalletAuthWaiter.confirmed(good(), request);
    NwcUri uri = confirmed.uri();
    assertThat(uri.walletPubkey()).isEqualTo(wallet.publicKeyHex());
    assertThat(uri.relays()).isEqualTo(request.request().relays());
    assertThat(uri.secret()).isEqualTo(request.clientSecretHex());
    assertThat(confirmed.info().methods()).containsExactly("pay_invoice", "get_budget");
    WalletAuthResult.Connected connected =
        new WalletAuthResult.Connected(uri, confirmed.info().methods(), java.util.Optional.empty());
    assertThat(NwcUri.parse(connected.connectionUri())).isEqualTo(uri);
    assertThat(connected.canPay()).isTrue();
    assertThat(connected.toString()).doesNotContain(request.clientSecretHex());
  }

  @Test
  void theWalletsRelayTagsReplaceTheRequestsRelays() {
    Event withRelays =
        info(
            wallet,
            tags(
                request.clientPubkey(),
                request.state(),
                "wss://wallet.example.net/nwc",
                "wss://second.example.net"),
            "pay_invoice",
            request.createdAt());
    assertThat(WalletAuthWaiter.confirmed(withRelays, request).uri().relays())
        .containsExactly(
            URI.create("wss://wallet.example.net/nwc"), URI.create("wss://second.example.net"));
  }

  @Test
  void wrongAuthorWrongPWrongOrMissingStateAndStaleEventsAreNotBelieved() {
    String client = request.clientPubkey();
    String state = request.state();
    Instant at = request.createdAt();
    String other = NostrKeys.generate().publicKeyHex();

    assertThat(
            WalletAuthWaiter.whyNot(
                info(request.keys(), tags(client, state), "pay_invoice", at), request, since))
        .contains("our own client key");
    assertThat(
            WalletAuthWaiter.whyNot(
                info(wallet, tags(other, state), "pay_invoice", at), request, since))
        .contains("p tag");
    assertThat(
            WalletAuthWaiter.whyNot(
                info(wallet, tags(null, state), "pay_invoice", at), request, since))
        .contains("p tag");
    assertThat(
            WalletAuthWaiter.whyNot(
                info(wallet, tags(client, "00" + state.substring(2)), "pay_invoice", at),
                request,
                since))
        .contains("state is not ours");
    assertThat(
            WalletAuthWaiter.whyNot(
                info(wallet, tags(client, null), "pay_invoice", at), request, since))
        .contains("no state");
    assertThat(
            WalletAuthWaiter.whyNot(
                info(
                    wallet,
                    tags(client, state),
                    "pay_invoice",
                    at.minus(WalletAuthWaiter.CLOCK_SKEW).minusSeconds(1)),
                request,
                since))
        .contains("before the request");
    Event notInfo = Event.sign(wallet, 23195, tags(client, state), "x", at);
    assertThat(WalletAuthWaiter.whyNot(notInfo, request, since)).contains("not an info event");
  }

  @Test
  void aForgedSignatureIsNotBelieved() {
    Event real = good();
    Event forged =
        new Event(
            real.id(),
            NostrKeys.generate().publicKeyHex(),
            real.createdAt(),
            real.kind(),
            real.tags(),
            real.content(),
            real.sig());
    assertThat(WalletAuthWaiter.whyNot(forged, request, since)).contains("signature");
  }

  @Test
  void anEventGrantingNothingOrNamingAMalformedRelayMakesNoConnection() {
    Event empty =
        info(wallet, tags(request.clientPubkey(), request.state()), " ", request.createdAt());
    assertThatThrownBy(() -> WalletAuthWaiter.confirmed(empty, request))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("grants no method");
    Event badRelay =
        info(
            wallet,
            tags(request.clientPubkey(), request.state(), "https://not-a-relay.example"),
            "pay_invoice",
            request.createdAt());
    assertThatThrownBy(() -> WalletAuthWaiter.confirmed(badRelay, request))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("malformed relay");
  }
}
