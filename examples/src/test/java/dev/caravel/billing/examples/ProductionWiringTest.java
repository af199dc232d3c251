package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Plan;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The production wiring, offline: the database is an in-memory H2 one (JdbcRepository speaks both),
 * and the rails that would reach the network (NWC, Nostr relays) are only checked for their
 * configuration errors.
 */
class ProductionWiringTest {
  static final String TENANT = "3e792a80ff5a37e52dd83282ab17afd29757e2dff9945c3ce27a67c25f785f5a";
  static final String NWC_SECRET =
      "71a8c14c1407c113601079c4302dab36460f0ccd0ad506f1f2dc73b5100e4f3c";

  private static Map<String, String> minimal() {
    Map<String, String> env = new HashMap<>();
    env.put(
        "BILLING_DATABASE_URL", "jdbc:h2:mem:wiring-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    env.put("BILLING_APP_URL", "https://relays.example");
    env.put("BILLING_LINK_SECRET", "dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==");
    env.put("BILLING_PLANS_FILE", "replay/plans.json");
    return env;
  }

  @Test
  void wiresTheEngineOnAMigratedDatabaseAndBills() {
    Map<String, String> env = minimal();
    env.put("BILLING_DATABASE_POOL_SIZE", "2");
    env.put("BILLING_POLL_INTERVAL", "PT15M");
    env.put("BILLING_INSTANCE_ID", "test-1");
    env.put("BILLING_CIPHER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    env.put("BILLING_CIPHER_OLD_KEYS", " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ,");
    env.put("STRIPE_SECRET_KEY", "sk_test_not_a_real_key");
    try (ProductionWiring wiring = ProductionWiring.from(env)) {
      Billing billing = wiring.billing();
      assertThat(billing.catalogue().plans())
          .extracting(Plan::id)
          .containsExactlyInAnyOrder("basic", "pro");
      billing.record(
          Activity.create(
              "evt-1",
              TENANT,
              "r1",
              "basic",
              Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
      Optional<Invoice> invoice = billing.generateInvoice(TENANT);
      assertThat(invoice).get().extracting(Invoice::total).isEqualTo(500L);
      assertThat(billing.invoices(TENANT)).hasSize(1);
    }
  }

  @Test
  void thePollStartsAndStops() {
    try (ProductionWiring wiring = ProductionWiring.from(minimal())) {
      wiring.start();
    }
  }

  @Test
  void aMissingVariableIsNamed() {
    for (String name :
        new String[] {"BILLING_DATABASE_URL", "BILLING_APP_URL", "BILLING_PLANS_FILE"}) {
      Map<String, String> env = minimal();
      env.remove(name);
      assertThatThrownBy(() -> ProductionWiring.from(env))
          .isInstanceOf(ProductionWiring.ConfigurationException.class)
          .hasMessage(name + " is required");
    }
  }

  @Test
  void malformedSettingsAreNamedWithoutEchoingSecrets() {
    Map<String, String> env = minimal();
    env.put("BILLING_DATABASE_URL", "jdbc:nosuch://db?password=hunter2");
    assertThatThrownBy(() -> ProductionWiring.from(env))
        .hasMessageStartingWith("BILLING_DATABASE_URL")
        .hasMessageNotContaining("hunter2");

    Map<String, String> key = minimal();
    key.put("BILLING_CIPHER_KEY", "not base64 at all!");
    assertThatThrownBy(() -> ProductionWiring.from(key))
        .hasMessageStartingWith("BILLING_CIPHER_KEY")
        .hasMessageNotContaining("not base64 at all!");

    Map<String, String> oldKeys = minimal();
    oldKeys.put("BILLING_CIPHER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    oldKeys.put("BILLING_CIPHER_OLD_KEYS", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=, short");
    assertThatThrownBy(() -> ProductionWiring.from(oldKeys))
        .hasMessageStartingWith("BILLING_CIPHER_OLD_KEYS")
        .hasMessageNotContaining("AAECAwQF");

    Map<String, String> nwc = minimal();
    nwc.put(
        "BILLING_SERVICE_NWC_URI",
        "nostr+walletconnect://nope?relay=wss://r.example&secret=" + NWC_SECRET);
    assertThatThrownBy(() -> ProductionWiring.from(nwc))
        .hasMessageStartingWith("BILLING_SERVICE_NWC_URI needs BILLING_CIPHER_KEY");
    nwc.put("BILLING_CIPHER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    assertThatThrownBy(() -> ProductionWiring.from(nwc))
        .hasMessageStartingWith("BILLING_SERVICE_NWC_URI is not a valid NWC URI")
        .hasMessageNotContaining(NWC_SECRET);

    Map<String, String> nostr = minimal();
    nostr.put("NOSTR_SECRET_KEY", "nsec1garbage");
    assertThatThrownBy(() -> ProductionWiring.from(nostr))
        .hasMessageStartingWith("NOSTR_SECRET_KEY")
        .hasMessageNotContaining("nsec1garbage");
    nostr.put("NOSTR_SECRET_KEY", NWC_SECRET);
    assertThatThrownBy(() -> ProductionWiring.from(nostr)).hasMessage("NOSTR_RELAYS is required");

    Map<String, String> poll = minimal();
    poll.put("BILLING_POLL_INTERVAL", "hourly");
    assertThatThrownBy(() -> ProductionWiring.from(poll))
        .hasMessageContaining("BILLING_POLL_INTERVAL must be an ISO-8601 duration");

    Map<String, String> plans = minimal();
    plans.put("BILLING_PLANS_FILE", "replay/no-such-plans.json");
    assertThatThrownBy(() -> ProductionWiring.from(plans))
        .hasMessage("BILLING_PLANS_FILE: replay/no-such-plans.json: cannot read: no such file");
  }
}
