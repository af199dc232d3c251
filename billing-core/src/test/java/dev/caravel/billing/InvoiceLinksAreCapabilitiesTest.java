package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.net.URI;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 22, part 2 (DESIGN "Security"): invoice ids are sequential, so a link is a capability only
 * through its token. Each test is an attack that must keep failing.
 */
class InvoiceLinksAreCapabilitiesTest {
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.Messages messages = new FakeRails.Messages();

  private Billing engine(BillingBuilder builder) {
    return builder.messenger(messages).build();
  }

  private Invoice invoiceOf(Billing billing, String tenant) {
    billing.record(Activity.create("a-" + tenant, tenant, "r-" + tenant, "basic", clock.instant()));
    return billing.generateInvoice(tenant).orElseThrow();
  }

  private static String token(String link) {
    String query = URI.create(link).getRawQuery();
    return query.substring(query.indexOf("&token=") + "&token=".length());
  }

  @Test
  void theDmCarriesTheTokenizedLinkAndItsTokenOpensItsInvoice() {
    Billing billing = engine(Fixtures.engine(new InMemoryRepository(), clock));
    Invoice invoice = invoiceOf(billing, ALICE);
    billing.collect(invoice.id());

    String link = billing.invoiceLink(invoice.id());
    assertThat(messages.sent).hasSize(1);
    assertThat(messages.sent.get(0).text())
        .contains("\n\n" + link)
        .doesNotContain("invoice=" + invoice.id() + "\n");
    assertThat(link)
        .startsWith("https://relays.example/account?invoice=" + invoice.id() + "&token=");
    // 128 bits, base64url without padding: 22 characters a URL carries as they are
    assertThat(token(link)).matches("[A-Za-z0-9_-]{22}");
    assertThat(Base64.getUrlDecoder().decode(token(link))).hasSize(16);
    assertThat(billing.invoiceByLink(invoice.id(), token(link))).contains(invoice);
  }

  @Test
  void anEngineWithoutAMessengerNeedsNoLinkSecretEvenWhenARoundFails() {
    FakeRails.Gateway gateway = new FakeRails.Gateway();
    gateway.savedMethods.put("cus_1", "pm_1");
    gateway.script.add(
        new PaymentGateway.ChargeOutcome.Declined("card_declined", "Your card was declined."));
    Billing billing =
        Billing.builder()
            .repository(new InMemoryRepository())
            .catalogue(Fixtures.CATALOGUE)
            .clock(clock)
            .appUrl("https://relays.example")
            .paymentGateway(gateway)
            .build();
    billing.saveTenant(ALICE, null, "cus_1");
    Invoice invoice = invoiceOf(billing, ALICE);
    // The round ends where the DM would be sent: with no messenger there is no link to make.
    assertThat(billing.collect(invoice.id())).isInstanceOf(PaymentResult.NotPaid.class);
    assertThatThrownBy(() -> billing.invoiceLink(invoice.id()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void enumeratingIdsFindsNothingAndAWrongTokenLooksLikeAnUnknownId() {
    Billing billing = engine(Fixtures.engine(new InMemoryRepository(), clock));
    Invoice alices = invoiceOf(billing, ALICE);
    Invoice bobs = invoiceOf(billing, BOB);
    String bobsToken = token(billing.invoiceLink(bobs.id()));

    // the attacker knows the id scheme and holds a valid link of their own (Bob's)
    for (int n = 0; n <= 5; n++) {
      String guessed = BillingBuilder.defaultInvoiceNumber(n);
      for (String token : new String[] {null, "", bobsToken, "AAAAAAAAAAAAAAAAAAAAAA", "%%"}) {
        if (guessed.equals(bobs.id()) && bobsToken.equals(token)) {
          continue;
        }
        assertThat(billing.invoiceByLink(guessed, token)).as(guessed + " " + token).isEmpty();
      }
    }
    assertThat(billing.invoiceByLink(alices.id(), bobsToken)).isEmpty();
    assertThat(billing.invoiceByLink("INV-999999", bobsToken)).isEqualTo(Optional.empty());
    assertThat(billing.invoiceByLink(null, bobsToken)).isEmpty();
  }

  @Test
  void anotherSecretMakesOtherTokensSoANewSecretRevokesEveryLink() {
    InMemoryRepository repository = new InMemoryRepository();
    Billing billing = engine(Fixtures.engine(repository, clock));
    Invoice invoice = invoiceOf(billing, ALICE);
    String old = token(billing.invoiceLink(invoice.id()));
    Billing rotated =
        engine(
            Fixtures.engine(repository, clock).linkSecret(new byte[InvoiceLinks.MIN_SECRET_BYTES]));
    assertThat(rotated.invoiceByLink(invoice.id(), old)).isEmpty();
    assertThat(token(rotated.invoiceLink(invoice.id()))).isNotEqualTo(old);
  }

  @Test
  void anOldUntokenizedLinkIsRefusedByDefault() {
    Billing billing = engine(Fixtures.engine(new InMemoryRepository(), clock));
    Invoice invoice = invoiceOf(billing, ALICE);
    assertThat(billing.invoiceByLink(invoice.id(), null)).isEmpty();
    assertThat(billing.invoiceByLink(invoice.id(), "")).isEmpty();
  }

  @Test
  void anOldUntokenizedLinkOpensOnlyInsideTheHostsTransitionWindow() {
    Instant end = Instant.parse("2025-02-01T00:00:00Z");
    Billing billing =
        engine(Fixtures.engine(new InMemoryRepository(), clock).acceptUntokenizedLinksUntil(end));
    Invoice invoice = invoiceOf(billing, ALICE);
    assertThat(billing.invoiceByLink(invoice.id(), null)).contains(invoice);
    // a token given must still be the right one
    assertThat(billing.invoiceByLink(invoice.id(), "AAAAAAAAAAAAAAAAAAAAAA")).isEmpty();
    clock.set(end);
    assertThat(billing.invoiceByLink(invoice.id(), null)).isEmpty();
    assertThat(billing.invoiceByLink(invoice.id(), token(billing.invoiceLink(invoice.id()))))
        .contains(invoice);
  }

  @Test
  void aMessengerWithoutALinkSecretDoesNotBuild() {
    BillingBuilder noSecret =
        Billing.builder()
            .repository(new InMemoryRepository())
            .catalogue(Fixtures.CATALOGUE)
            .clock(clock)
            .appUrl("https://relays.example")
            .messenger(messages);
    assertThatThrownBy(noSecret::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("linkSecret");
    assertThatThrownBy(() -> noSecret.linkSecret(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 32 bytes");
    assertThatThrownBy(() -> noSecret.linkSecret("not base64!"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withoutAMessengerNoSecretIsNeededButNoLinkCanBeMade() {
    Billing billing =
        Billing.builder()
            .repository(new InMemoryRepository())
            .catalogue(Fixtures.CATALOGUE)
            .clock(clock)
            .appUrl("https://relays.example")
            .build();
    assertThatThrownBy(() -> billing.invoiceLink("INV-000001"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("linkSecret");
  }
}
