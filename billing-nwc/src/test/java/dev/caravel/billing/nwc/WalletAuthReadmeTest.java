package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Billing;
import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.SecretCipher;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.nostr.RelayClient;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's walletauth snippet against the real peers (relay.mjs, and wallet.mjs's
 * walletauth wallet standing for the tenant's phone): the code between the markers below is the
 * README's block under "Connect a tenant's wallet with a budget", line for line (indentation
 * aside), and {@link #theReadmeShowsExactlyThisCode} keeps them so. Skipped without Node (failing
 * with CI=true), as every interop test.
 */
class WalletAuthReadmeTest {
  private static final Path README = Path.of("README.md");
  private static final Path SELF =
      Path.of("src/test/java/dev/caravel/billing/nwc/WalletAuthReadmeTest.java");
  static final String HEADING = "## Connect a tenant's wallet with a budget";

  private TestWalletService wallet;
  private final List<String> printed = new ArrayList<>();

  /** The page shows the URI; here the tenant's wallet scans it at once and accepts. */
  private void showQrCodeAndLink(String uri) {
    assertThat(uri).startsWith("nostr+walletauth://");
    wallet.peer().command(NodePeer.cmd("nwa-accept").put("uri", uri));
  }

  @Test
  void theSnippetRuns() {
    NodePeer.assumeAvailable();
    InMemoryRepository repository = new InMemoryRepository();
    SecretCipher cipher = SecretCipher.aesGcm(new byte[32]);
    try (TestRelay relay = TestRelay.start();
        TestWalletService peers = TestWalletService.start(relay);
        RelayClient pool = NwcInteropTest.loopbackPool()) {
      wallet = peers;
      String relayUrl = relay.url();
      String pastedUri = peers.uri("tenant");
      String tenant = "d".repeat(64);
      String stripeCustomerId = "cus_123"; // the tenant's saved card, if any (null for none)
      ExchangeRates rates =
          (cents, currency) -> HttpExchangeRates.msats(cents, 2, new BigDecimal("97000.50"));
      Billing billing =
          Billing.builder()
              .repository(repository)
              .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 1999)))
              .cipher(cipher)
              .messenger((pubkey, text) -> {}) // a host has one; this test sends no DM
              .appUrl("https://relays.example")
              .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
              .build();

      // spotless:off (the README shows these lines as they are here)
      // README-BEGIN
    long monthlyTotal = 1999; // the tenant's current monthly total, in cents
    long maxAmount = WalletAuthBudget.maxAmountMsats(monthlyTotal, "usd", rates, WalletAuthBudget.DEFAULT_FLOOR_MSATS);
    WalletAuthRequest request = WalletAuthRequest.builder()
        .relay(relayUrl)           // where your service listens for the wallet; several allowed
        .name("Caravel Relays")    // what the wallet shows the tenant
        .maxAmountMsats(maxAmount) // renewed monthly unless .budgetRenewal(...) says otherwise
        .build();
    showQrCodeAndLink(request.uri()); // nostr+walletauth://<client key>?relay=...&state=...

    WalletAuthWaiter waiter = WalletAuthWaiter.builder().relayPool(pool).build();
    WalletAuthResult result = waiter.await(request, Duration.ofMinutes(5));
    if (result instanceof WalletAuthResult.Connected connected && connected.canPay()) {
      billing.saveTenant(tenant, connected.connectionUri(), stripeCustomerId); // the URI is sealed; the card stays
      connected.budget().ifPresent(b -> print("budget left: " + b.remainingMsats() + " msats"));
    } else {
      print("no wallet confirmed in time"); // the tenant declined, or has not scanned yet
    }

    // A pasted nostr+walletconnect:// URI is checked first, as `billing nwc-check` checks one.
    NwcConnectionCheck check = NwcConnectionCheck.builder().relayPool(pool).build();
    if (check.check(pastedUri, NwcConnectionCheck.Use.TENANT_WALLET) instanceof NwcConnectionCheck.Usable) {
      billing.saveTenant(tenant, pastedUri, stripeCustomerId);
    }
      // README-END
      // spotless:on

      // 2 × 20,609 sats ($19.99 at 97,000.50 USD/BTC), above the 10,000-sat floor.
      assertThat(maxAmount).isEqualTo(41_218_000);
      assertThat(result).isInstanceOf(WalletAuthResult.Connected.class);
      assertThat(printed).containsExactly("budget left: 41218000 msats");
      // The pasted URI passed the check and replaced the walletauth connection.
      String sealed = repository.findTenant(tenant).orElseThrow().sealedNwcUri().orElseThrow();
      assertThat(cipher.open(tenant, sealed)).isEqualTo(pastedUri);
      assertThat(sealed).doesNotContain(request.clientSecretHex());
      assertThat(repository.findTenant(tenant).orElseThrow().stripeCustomerId())
          .contains("cus_123");
    }
  }

  private void print(String line) {
    printed.add(line);
  }

  @Test
  void theReadmeShowsExactlyThisCode() throws IOException {
    String readme = Files.readString(README);
    int section = readme.indexOf(HEADING);
    assertThat(section).as("the section " + HEADING).isNotNegative();
    int open = readme.indexOf("```java\n", section);
    assertThat(open).as("a ```java block in that section").isNotNegative();
    int close = readme.indexOf("```\n", open + 8);
    List<String> shown = stripped(readme.substring(open + 8, close));

    String self = Files.readString(SELF);
    String begin = "// README-BEGIN\n";
    int from = self.indexOf(begin) + begin.length();
    int to = self.indexOf("      // README-END\n", from);
    List<String> run = stripped(self.substring(from, to));

    assertThat(run).hasSizeGreaterThan(15);
    assertThat(shown).isEqualTo(run);
  }

  private static List<String> stripped(String code) {
    return code.lines().map(String::strip).toList();
  }
}
