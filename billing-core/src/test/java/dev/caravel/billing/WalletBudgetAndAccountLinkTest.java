package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.FakeRails.TenantWalletBehaviour;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * Issue 24: a wallet whose monthly budget for us is spent moves the round on to the card, and a
 * tenant left to pay by hand is told, in a fixed sentence, where to raise it: its account page, a
 * capability of its own (never opened by an invoice's token, nor by another tenant's).
 */
class WalletBudgetAndAccountLinkTest {
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.ServiceWallet serviceWallet = new FakeRails.ServiceWallet(clock);
  private final FakeRails.Connector connector = new FakeRails.Connector(serviceWallet);
  private final FakeRails.Gateway gateway = new FakeRails.Gateway();
  private final FakeRails.Messages messages = new FakeRails.Messages();
  private final Billing billing =
      Fixtures.engine(new InMemoryRepository(), clock)
          .serviceWallet(serviceWallet)
          .walletConnector(connector)
          .exchangeRates(FakeRails.RATES)
          .cipher(SecretCipher.aesGcm(new byte[32]))
          .paymentGateway(gateway)
          .messenger(messages)
          .build();

  private String invoiceFor(String customer) {
    billing.saveTenant(ALICE, connector.uri("alice", TenantWalletBehaviour.BUDGET_SPENT), customer);
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    return billing.generateInvoice(ALICE).orElseThrow().id();
  }

  @Test
  void aSpentBudgetMovesTheRoundOnToTheCard() {
    String id = invoiceFor("cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");

    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(billing.invoice(id).orElseThrow().payment().orElseThrow().method())
        .isEqualTo(PaymentMethod.STRIPE);
    assertThat(connector.payAttempts).hasSize(1);
    assertThat(messages.sent).isEmpty();
  }

  @Test
  void withNoCardTheTenantIsToldToRaiseTheBudgetOnItsAccountPage() {
    String id = invoiceFor(null);

    billing.collect(id);

    assertThat(messages.sent).singleElement();
    String dm = messages.sent.get(0).text();
    assertThat(dm)
        .startsWith(DirectMessages.MANUAL_PAYMENT_DM)
        .contains(billing.invoiceLink(id))
        .contains(CustomerNotice.WALLET_BUDGET_SPENT.sentence())
        .endsWith(billing.accountLink(ALICE))
        .doesNotContain("QUOTA_EXCEEDED")
        .doesNotContain("20000 sats")
        .doesNotContain("wss://");
  }

  @Test
  void theAccountLinkOpensItsTenantAndNothingElse() {
    invoiceFor(null);
    billing.saveTenant(BOB, null, null);
    URI link = URI.create(billing.accountLink(ALICE));
    assertThat(link.getRawPath()).isEqualTo("/account");
    assertThat(link.getRawQuery()).startsWith("tenant=" + ALICE + "&token=");
    String token = link.getRawQuery().substring(link.getRawQuery().indexOf("token=") + 6);

    assertThat(billing.accountByLink(ALICE, token)).contains(ALICE);
    assertThat(billing.accountByLink(BOB, token)).as("another tenant's token").isEmpty();
    assertThat(billing.accountByLink(ALICE, token.substring(1))).isEmpty();
    assertThat(billing.accountByLink(ALICE, "not base64url!")).isEmpty();
    assertThat(billing.accountByLink(ALICE, null)).isEmpty();
    assertThat(billing.accountByLink(null, token)).isEmpty();
  }

  @Test
  void anInvoiceTokenNeverOpensAnAccountNorTheOtherWayRound() {
    String id = invoiceFor(null);
    String invoiceToken = tokenOf(billing.invoiceLink(id));
    String accountToken = tokenOf(billing.accountLink(ALICE));

    assertThat(billing.accountByLink(ALICE, invoiceToken)).isEmpty();
    assertThat(billing.invoiceByLink(id, accountToken)).isEmpty();
    // Even for an "invoice id" spelled as the tenant's pubkey: the MACs are bound to their use.
    assertThat(billing.invoiceByLink(ALICE, accountToken)).isEmpty();
  }

  @Test
  void anUnknownTenantsValidTokenOpensNothingAndAMalformedOneIsRefusedWhenMade() {
    String carol = Fixtures.tenant(3);
    String token = tokenOf(billing.accountLink(carol));

    assertThat(billing.accountByLink(carol, token)).as("no such tenant").isEmpty();
    assertThatThrownBy(() -> billing.accountLink("not-a-pubkey"))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void whatIsOnFileIsReadWithoutTheUriAndSavingWithoutAWalletErasesIt() {
    String uri = connector.uri("alice", TenantWalletBehaviour.PAYS);
    billing.saveTenant(ALICE, uri, "cus_1");
    assertThat(billing.walletConnected(ALICE)).isTrue();
    assertThat(billing.stripeCustomer(ALICE)).contains("cus_1");

    // Disconnecting keeps the card: the page saves the customer it read back.
    billing.saveTenant(ALICE, null, billing.stripeCustomer(ALICE).orElse(null));

    assertThat(billing.walletConnected(ALICE)).isFalse();
    assertThat(billing.stripeCustomer(ALICE)).contains("cus_1");
    assertThat(billing.walletConnected(BOB)).as("an unknown tenant has nothing on file").isFalse();
    assertThat(billing.stripeCustomer(BOB)).isEmpty();
    assertThatThrownBy(() -> billing.walletConnected("nope"))
        .isInstanceOf(InvalidInputException.class);
  }

  private static String tokenOf(String link) {
    String query = URI.create(link).getRawQuery();
    return query.substring(query.indexOf("token=") + 6);
  }
}
