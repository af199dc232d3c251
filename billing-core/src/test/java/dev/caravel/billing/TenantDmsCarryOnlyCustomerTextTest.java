package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.FakeRails.TenantWalletBehaviour;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.LightningWallet.PayOutcome;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.StorageException;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, defect 11 (DESIGN "Security"): a tenant's DM is the request to pay, the link and one
 * fixed sentence for the kind of failure. The rail's and developer's words (HTTP codes, request
 * ids, Stripe's messages, SQL, relay addresses) reach the operator, never the tenant.
 */
class TenantDmsCarryOnlyCustomerTextTest {
  private static final String API_KEY_REFUSED =
      "Stripe refused the API key (HTTP 401): check that it is a valid secret key for this account"
          + " (request req_Q7x2PbLm)";
  private static final String NO_SUCH_CUSTOMER =
      "No such customer: 'cus_Nf8s'; a similar object exists in test mode, but a live mode key was"
          + " used to make this request.";
  private static final String RELAYS =
      "no reply from the wallet service on wss://relay.service.example, wss://10.0.0.7:7777";
  private static final String SQL =
      "ERROR: duplicate key value violates unique constraint \"billing_bolt11_pkey\" (SQLState"
          + " 23505)";

  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.ServiceWallet serviceWallet = new FakeRails.ServiceWallet(clock);
  private final FakeRails.Connector connector = new FakeRails.Connector(serviceWallet);
  private final FakeRails.Messages messages = new FakeRails.Messages();
  private final List<String> operator = Collections.synchronizedList(new ArrayList<>());

  private final BillingListener listener =
      new BillingListener() {
        @Override
        public void paymentFailed(Invoice invoice, Rail rail, String error) {
          operator.add(error);
        }

        @Override
        public void needsAttention(Invoice invoice, Rail rail, String reason) {
          operator.add(reason);
        }
      };

  private BillingBuilder engine(Repository repository) {
    return Fixtures.engine(repository, clock).messenger(messages).listener(listener);
  }

  /** Alice's invoice of 500, collected once; returns the one DM it sent. */
  private String dmAfterOneRound(Billing billing, String nwcUri, String customer) {
    billing.saveTenant(ALICE, nwcUri, customer);
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    String id = billing.generateInvoice(ALICE).orElseThrow().id();
    billing.collect(id);
    assertThat(messages.sent).hasSize(1);
    String dm = messages.sent.get(0).text();
    assertThat(dm)
        .startsWith(DirectMessages.MANUAL_PAYMENT_DM)
        .contains("https://relays.example/account?invoice=" + id);
    return dm;
  }

  private BillingBuilder withLightning(BillingBuilder builder, LightningWallet service) {
    return builder
        .serviceWallet(service)
        .walletConnector(connector)
        .exchangeRates(FakeRails.RATES)
        .cipher(SecretCipher.aesGcm(new byte[32]));
  }

  @Test
  void aDmAfterTheGatewayRefusedOurApiKeyNamesNoStatusKeyOrRequest() {
    FakeRails.Gateway gateway = new FakeRails.Gateway();
    gateway.savedMethods.put("cus_1", "pm_1");
    gateway.script.add(new ChargeOutcome.Failed("AUTHENTICATION", API_KEY_REFUSED));
    String dm =
        dmAfterOneRound(
            engine(new InMemoryRepository()).paymentGateway(gateway).build(), null, "cus_1");

    assertThat(dm)
        .endsWith("\n\n" + CustomerNotice.COULD_NOT_CHARGE.sentence())
        .doesNotContain("401")
        .doesNotContain("req_")
        .doesNotContain("API key")
        .doesNotContain("Stripe");
    assertThat(operator).singleElement().asString().contains(API_KEY_REFUSED);
  }

  @Test
  void aDmAfterA401ReadingTheSavedCardNamesNoStatusKeyOrRequest() {
    FakeRails.Gateway gateway =
        new FakeRails.Gateway() {
          @Override
          public Optional<String> savedPaymentMethod(String customerId) {
            throw new RailException(Rail.STRIPE, "AUTHENTICATION", API_KEY_REFUSED);
          }
        };
    String dm =
        dmAfterOneRound(
            engine(new InMemoryRepository()).paymentGateway(gateway).build(), null, "cus_1");

    assertThat(dm)
        .endsWith(CustomerNotice.COULD_NOT_CHARGE.sentence())
        .doesNotContain("401")
        .doesNotContain("req_");
    assertThat(operator).singleElement().asString().contains(API_KEY_REFUSED);
  }

  @Test
  void aDmAfterNoSuchCustomerNamesNoCustomerOrMode() {
    FakeRails.Gateway gateway = new FakeRails.Gateway();
    gateway.savedMethods.put("cus_1", "pm_1");
    gateway.script.add(new ChargeOutcome.Failed("INVALID_REQUEST", NO_SUCH_CUSTOMER));
    String dm =
        dmAfterOneRound(
            engine(new InMemoryRepository()).paymentGateway(gateway).build(), null, "cus_1");

    assertThat(dm)
        .endsWith(CustomerNotice.COULD_NOT_CHARGE.sentence())
        .doesNotContain("No such customer")
        .doesNotContain("cus_")
        .doesNotContain("test mode");
    assertThat(operator).singleElement().asString().contains(NO_SUCH_CUSTOMER);
  }

  @Test
  void aDmAfterTheServiceWalletFailedNamesNoRelay() {
    LightningWallet silentService =
        new LightningWallet() {
          @Override
          public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
            throw new RailException(Rail.NWC, "TIMEOUT", RELAYS);
          }

          @Override
          public PayOutcome payInvoice(String bolt11) {
            throw new UnsupportedOperationException();
          }

          @Override
          public boolean isSettled(String bolt11) {
            return false;
          }
        };
    String dm =
        dmAfterOneRound(
            withLightning(engine(new InMemoryRepository()), silentService).build(),
            connector.uri("alice", TenantWalletBehaviour.PAYS),
            null);

    assertThat(dm)
        .endsWith(CustomerNotice.COULD_NOT_CHARGE.sentence())
        .doesNotContain("wss://")
        .doesNotContain("relay.service.example")
        .doesNotContain("10.0.0.7");
    assertThat(operator).singleElement().asString().contains(RELAYS);
  }

  @Test
  void aDmAfterTheTenantsWalletFailedNamingRelaysSaysOnlyThatTheWalletCouldNotPay() {
    LightningWallet.WalletConnector relaysNamed =
        new LightningWallet.WalletConnector() {
          @Override
          public LightningWallet connect(String uri) {
            return new LightningWallet() {
              @Override
              public LightningInvoice makeInvoice(long msats, String d, Duration expiry) {
                throw new UnsupportedOperationException();
              }

              @Override
              public PayOutcome payInvoice(String bolt11) {
                return new PayOutcome.Failed("OTHER", RELAYS);
              }

              @Override
              public boolean isSettled(String bolt11) {
                throw new UnsupportedOperationException();
              }
            };
          }
        };
    Billing billing =
        engine(new InMemoryRepository())
            .serviceWallet(serviceWallet)
            .walletConnector(relaysNamed)
            .exchangeRates(FakeRails.RATES)
            .cipher(SecretCipher.aesGcm(new byte[32]))
            .build();
    String dm = dmAfterOneRound(billing, "nostr+walletconnect://alice?secret=s3cr3t", null);

    assertThat(dm)
        .endsWith(CustomerNotice.WALLET_FAILED.sentence())
        .doesNotContain("wss://")
        .doesNotContain("10.0.0.7");
    assertThat(operator).singleElement().asString().isEqualTo(RELAYS);
  }

  @Test
  void aDmAfterAStorageErrorCarriesNoSql() {
    Repository failingBolt11 =
        new DelegatingRepository(new InMemoryRepository()) {
          @Override
          public Bolt11Request replaceBolt11(Bolt11Request fresh, Optional<String> expected) {
            throw new StorageException(SQL);
          }
        };
    String dm =
        dmAfterOneRound(
            withLightning(engine(failingBolt11), serviceWallet).build(),
            connector.uri("alice", TenantWalletBehaviour.PAYS),
            null);

    assertThat(dm)
        .endsWith(CustomerNotice.COULD_NOT_CHARGE.sentence())
        .doesNotContain("ERROR")
        .doesNotContain("constraint")
        .doesNotContain("23505");
    assertThat(operator).singleElement().asString().contains(SQL);
  }

  @Test
  void aDeclineIsToldAsADeclineAndAnAuthenticationAsARequestToConfirm() {
    FakeRails.Gateway gateway = new FakeRails.Gateway();
    gateway.savedMethods.put("cus_1", "pm_1");
    gateway.script.add(
        new ChargeOutcome.Declined("do_not_honor", "The bank said do_not_honor (req_1)"));
    Billing billing = engine(new InMemoryRepository()).paymentGateway(gateway).build();
    assertThat(dmAfterOneRound(billing, null, "cus_1"))
        .endsWith(CustomerNotice.CARD_DECLINED.sentence())
        .doesNotContain("do_not_honor");

    messages.sent.clear();
    gateway.script.add(
        new ChargeOutcome.NeedsCustomer("pi_3ds", "authentication_required (pi_3ds_secret_x)"));
    billing.record(Activity.create("b1", Fixtures.BOB, "r2", "basic", clock.instant()));
    billing.saveTenant(Fixtures.BOB, null, "cus_1");
    String bob = billing.generateInvoice(Fixtures.BOB).orElseThrow().id();
    billing.collect(bob);
    assertThat(messages.sent)
        .singleElement()
        .satisfies(
            m ->
                assertThat(m.text())
                    .endsWith(CustomerNotice.CARD_NEEDS_AUTHENTICATION.sentence())
                    .doesNotContain("secret"));
  }
}
