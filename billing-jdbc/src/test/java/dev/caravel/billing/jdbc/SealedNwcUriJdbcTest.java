package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingListener;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.LightningWallet;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.SecretCipher;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 22's sealing attacks on the real storage, where {@code billing_tenant.sealed_nwc_uri} holds
 * the sealed value as the cipher made it (no schema change: the key id travels inside the value).
 * On H2 and on PostgreSQL (the driver the build pins):
 *
 * <ul>
 *   <li>the row swap, in SQL: Alice's sealed URI copied into Bob's row opens nothing, so Bob's
 *       invoice is not paid from Alice's wallet, and the operator hears why;
 *   <li>a row 0.2 wrote ({@code v1:}) still pays, and the tenant's next save stores it bound.
 * </ul>
 */
class SealedNwcUriJdbcTest {
  private static final String ALICE = Fixture.pubkey(0xa11ce);
  private static final String BOB = Fixture.pubkey(0xb0b);
  private static final String ALICES_WALLET = "nostr+walletconnect://alice?secret=s3cr3t-a";
  private static final String BOBS_WALLET = "nostr+walletconnect://bob?secret=s3cr3t-b";

  /** The bytes 0, 1, ..., 31: the key 0.2 sealed {@link #SEALED_BY_0_2} with. */
  private static final byte[] KEY_OF_0_2 = new byte[32];

  static {
    for (int i = 0; i < 32; i++) {
      KEY_OF_0_2[i] = (byte) i;
    }
  }

  /** What 0.2's cipher stored for {@link #URI_OF_0_2} (billing-core's AesGcmSecretCipherTest). */
  private static final String SEALED_BY_0_2 =
      "v1:xgEX678I1_FXKjusS1zUc7GXPDw4QbF1vbuutJuUzGZNkPboS8b3RYjSQFXamIfK1lseAHOh8XL2y1qipLWdk2D"
          + "_Hb007faWF0q8XQONxkDbUkwI-S5FGbGQc51lDXBT_arFOcFta1ijghcu6yz3RxbbIVx4Nlo8JA9a0BwvRZ2lQN_"
          + "PyvhUGYxCjayE3mUIxwft4X9pzbJZ9RbNEI2A2dRGA-O-AI9HzdmWYGlWbOmTwhHdKYO5oRSaQNkN5rG7zX5_EHJ"
          + "EMsP4IF0O_Ui2dJiMzU7rVou7eoE";

  private static final String URI_OF_0_2 =
      "nostr+walletconnect://"
          + "1".repeat(64)
          + "?relay=wss%3A%2F%2Frelay.example&secret="
          + "2".repeat(64);

  @Test
  void aSealedUriCopiedIntoAnotherRowPaysNothingOnH2() throws SQLException {
    DataSource h2 = Databases.newH2();
    rowSwapPaysNothing(h2);
    Databases.shutdownH2(h2);
  }

  @Test
  @Timeout(120)
  void aSealedUriCopiedIntoAnotherRowPaysNothingOnPostgres() throws SQLException {
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 4)) {
      rowSwapPaysNothing(pool);
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  @Test
  void aRowSealedBy02StillPaysAndIsSealedBoundOnTheNextSaveOnH2() throws SQLException {
    DataSource h2 = Databases.newH2();
    legacyRowPaysAndMigrates(h2);
    Databases.shutdownH2(h2);
  }

  @Test
  @Timeout(120)
  void aRowSealedBy02StillPaysAndIsSealedBoundOnTheNextSaveOnPostgres() throws SQLException {
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 4)) {
      legacyRowPaysAndMigrates(pool);
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  private static void rowSwapPaysNothing(DataSource db) throws SQLException {
    SecretCipher cipher = SecretCipher.keyring().currentKey(new byte[32]).build();
    Engine engine = new Engine(db, cipher);
    engine.billing.saveTenant(ALICE, ALICES_WALLET, null);
    engine.billing.saveTenant(BOB, BOBS_WALLET, null);
    assertThat(sealedIn(db, ALICE)).startsWith("v2:" + cipher.sealingKeyId().orElseThrow() + ":");
    Invoice bobs = engine.invoiceFor(BOB);

    try (Connection c = db.getConnection();
        PreparedStatement copy =
            c.prepareStatement(
                "UPDATE billing_tenant SET sealed_nwc_uri = "
                    + "(SELECT sealed_nwc_uri FROM billing_tenant WHERE pubkey = ?) "
                    + "WHERE pubkey = ?")) {
      copy.setString(1, ALICE);
      copy.setString(2, BOB);
      assertThat(copy.executeUpdate()).isEqualTo(1);
    }
    assertThat(sealedIn(db, BOB)).isEqualTo(sealedIn(db, ALICE));

    PaymentResult result = engine.billing.collect(bobs.id());

    assertThat(result).isNotInstanceOf(PaymentResult.Paid.class);
    assertThat(engine.connected).isEmpty();
    assertThat(engine.settled).isEmpty();
    assertThat(engine.billing.invoice(bobs.id()).orElseThrow().isPaid()).isFalse();
    assertThat(engine.operatorHeard)
        .singleElement()
        .satisfies(
            heard ->
                assertThat(heard)
                    .contains("sealed NWC URI does not open")
                    .contains("sealed for another tenant")
                    .doesNotContain("s3cr3t"));
  }

  private static void legacyRowPaysAndMigrates(DataSource db) throws SQLException {
    SecretCipher cipher = SecretCipher.keyring().currentKey(KEY_OF_0_2).build();
    Engine engine = new Engine(db, cipher);
    engine.billing.saveTenant(ALICE, null, null);
    try (Connection c = db.getConnection();
        PreparedStatement put =
            c.prepareStatement("UPDATE billing_tenant SET sealed_nwc_uri = ? WHERE pubkey = ?")) {
      put.setString(1, SEALED_BY_0_2);
      put.setString(2, ALICE);
      assertThat(put.executeUpdate()).isEqualTo(1);
    }
    Invoice invoice = engine.invoiceFor(ALICE);
    assertThat(sealedBy(db)).containsExactly(Map.entry("v1 (0.1/0.2)", 1));

    assertThat(engine.billing.collect(invoice.id())).isInstanceOf(PaymentResult.Paid.class);
    assertThat(engine.connected).containsExactly(URI_OF_0_2);
    assertThat(sealedIn(db, ALICE)).isEqualTo(SEALED_BY_0_2); // paying reads; it writes nothing

    engine.billing.saveTenant(ALICE, URI_OF_0_2, null);
    String migrated = sealedIn(db, ALICE);
    assertThat(migrated).startsWith("v2:" + cipher.sealingKeyId().orElseThrow() + ":");
    assertThat(sealedBy(db)).containsExactly(Map.entry(cipher.sealingKeyId().orElseThrow(), 1));
    SecretCipher strict =
        SecretCipher.keyring().currentKey(KEY_OF_0_2).refuseLegacyValues().build();
    assertThat(strict.open(ALICE, migrated)).isEqualTo(URI_OF_0_2);
  }

  /** The README's query: how many stored values each key id sealed, and 0.1/0.2's. */
  private static Map<String, Integer> sealedBy(DataSource db) throws SQLException {
    Map<String, Integer> counts = new java.util.TreeMap<>();
    try (Connection c = db.getConnection();
        PreparedStatement query =
            c.prepareStatement(
                "SELECT sealed_by, count(*) FROM ("
                    + " SELECT CASE WHEN sealed_nwc_uri LIKE 'v1:%' THEN 'v1 (0.1/0.2)'"
                    + " ELSE substring(sealed_nwc_uri FROM 4 FOR 8) END AS sealed_by"
                    + " FROM billing_tenant WHERE sealed_nwc_uri IS NOT NULL) AS sealed"
                    + " GROUP BY sealed_by");
        ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        counts.put(rs.getString(1), rs.getInt(2));
      }
    }
    return counts;
  }

  private static String sealedIn(DataSource db, String tenant) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement read =
            c.prepareStatement("SELECT sealed_nwc_uri FROM billing_tenant WHERE pubkey = ?")) {
      read.setString(1, tenant);
      try (ResultSet rs = read.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getString(1);
      }
    }
  }

  /**
   * An engine on {@code db} with Lightning only: a service wallet whose requests settle when a
   * tenant's wallet pays them, and tenants' wallets that pay, recording every URI connected to.
   */
  private static final class Engine {
    final Billing billing;
    final List<String> connected = Collections.synchronizedList(new ArrayList<>());
    final Set<String> settled = ConcurrentHashMap.newKeySet();
    final List<String> operatorHeard = Collections.synchronizedList(new ArrayList<>());
    private final MutableClock clock = new MutableClock(Fixture.T0);
    private final AtomicInteger made = new AtomicInteger();
    private final Map<String, Boolean> wallets =
        Map.of(ALICES_WALLET, true, BOBS_WALLET, true, URI_OF_0_2, true);

    Engine(DataSource db, SecretCipher cipher) {
      JdbcRepository.migrate(db);
      billing =
          Billing.builder()
              .repository(new JdbcRepository(db))
              .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
              .clock(clock)
              .appUrl("https://relays.example")
              .serviceWallet(new ServiceWallet())
              .walletConnector(new Connector())
              .exchangeRates((minor, currency) -> minor * 1000)
              .cipher(cipher)
              .listener(
                  new BillingListener() {
                    @Override
                    public void needsAttention(Invoice invoice, Rail rail, String reason) {
                      operatorHeard.add(invoice.tenant() + " " + rail.wireName() + ": " + reason);
                    }
                  })
              .build();
    }

    Invoice invoiceFor(String tenant) {
      billing.record(Activity.create("a-" + tenant, tenant, "r1", "basic", clock.instant()));
      return billing.generateInvoice(tenant).orElseThrow();
    }

    private final class ServiceWallet implements LightningWallet {
      @Override
      public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
        int n = made.incrementAndGet();
        Instant expires = clock.instant().plus(expiry);
        return new LightningInvoice("lnbc-test-" + n, "hash-" + n, msats, expires);
      }

      @Override
      public PayOutcome payInvoice(String bolt11) {
        return new PayOutcome.Failed("RESTRICTED", "the service wallet only receives");
      }

      @Override
      public boolean isSettled(String bolt11) {
        return settled.contains(bolt11);
      }
    }

    private final class Connector implements LightningWallet.WalletConnector {
      @Override
      public LightningWallet connect(String uri) {
        connected.add(uri);
        validate(uri);
        return new LightningWallet() {
          @Override
          public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
            throw new UnsupportedOperationException("a tenant's wallet only pays here");
          }

          @Override
          public PayOutcome payInvoice(String bolt11) {
            settled.add(bolt11);
            return new PayOutcome.Paid("preimage");
          }

          @Override
          public boolean isSettled(String bolt11) {
            throw new UnsupportedOperationException("the service wallet is asked");
          }
        };
      }

      @Override
      public void validate(String uri) {
        if (!wallets.containsKey(uri)) {
          throw new dev.caravel.billing.InvalidInputException("not a wallet of this test");
        }
      }
    }
  }
}
