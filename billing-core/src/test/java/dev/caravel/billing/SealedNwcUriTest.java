package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.FakeRails.TenantWalletBehaviour;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.testkit.MutableClock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A tenant's NWC URI at rest, through the engine (issue 22): sealed for its tenant, so a value
 * copied into another tenant's row pays nothing; keys rotate, and the next save re-seals under the
 * current key; values sealed by 0.2 still pay, and the next save binds them.
 */
class SealedNwcUriTest {
  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.ServiceWallet serviceWallet = new FakeRails.ServiceWallet(clock);
  private final FakeRails.Connector wallets = new FakeRails.Connector(serviceWallet);
  private final FakeRails.Messages messages = new FakeRails.Messages();

  /** Every URI the engine asked to connect to, in order. */
  private final List<String> connected = Collections.synchronizedList(new ArrayList<>());

  private final List<String> operatorHeard = Collections.synchronizedList(new ArrayList<>());

  private final LightningWallet.WalletConnector recordingConnector =
      new LightningWallet.WalletConnector() {
        @Override
        public LightningWallet connect(String uri) {
          connected.add(uri);
          return wallets.connect(uri);
        }

        @Override
        public void validate(String uri) {
          wallets.validate(uri);
        }
      };

  private Billing engine(SecretCipher cipher) {
    return Fixtures.engine(repository, clock)
        .serviceWallet(serviceWallet)
        .walletConnector(recordingConnector)
        .exchangeRates(FakeRails.RATES)
        .cipher(cipher)
        .messenger(messages)
        .listener(
            new BillingListener() {
              @Override
              public void needsAttention(Invoice invoice, Rail rail, String reason) {
                operatorHeard.add(invoice.tenant() + " " + rail.wireName() + ": " + reason);
              }
            })
        .build();
  }

  private static String invoiceFor(Billing billing, String tenant) {
    billing.record(
        Activity.create(
            "a-" + tenant, tenant, "r-" + tenant, "basic", Fixtures.at("2025-01-01T00:00:00Z")));
    return billing.generateInvoice(tenant).orElseThrow().id();
  }

  private String sealedOf(String tenant) {
    return repository.findTenant(tenant).orElseThrow().sealedNwcUri().orElseThrow();
  }

  @Test
  void aSealedUriCopiedIntoAnotherTenantsRowOpensNothingAndPaysNothingFromTheFirstWallet() {
    SecretCipher cipher = SecretCipher.aesGcm(new byte[32]);
    Billing billing = engine(cipher);
    String alicesWallet = wallets.uri("alice", TenantWalletBehaviour.PAYS);
    billing.saveTenant(ALICE, alicesWallet, null);
    billing.saveTenant(BOB, wallets.uri("bob", TenantWalletBehaviour.FAILS), null);
    String bobsInvoice = invoiceFor(billing, BOB);

    // Someone who can write to the database puts Alice's sealed URI in Bob's row.
    repository.saveTenant(Tenant.of(BOB).withSealedNwcUri(sealedOf(ALICE)));

    PaymentResult result = billing.collect(bobsInvoice);

    assertThat(result).isNotInstanceOf(PaymentResult.Paid.class);
    assertThat(connected).isEmpty(); // no wallet was asked anything, Alice's least of all
    assertThat(serviceWallet.settled).isEmpty();
    assertThat(repository.findInvoice(bobsInvoice).orElseThrow().isPaid()).isFalse();
    assertThat(operatorHeard)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith(BOB + " nwc: the tenant's sealed NWC URI does not open")
        .contains("sealed for another tenant")
        .doesNotContain("s3cr3t");
    // The value itself is sound: in Alice's row it opens, and pays.
    assertThat(cipher.open(ALICE, sealedOf(ALICE))).isEqualTo(alicesWallet);
    String alicesInvoice = invoiceFor(billing, ALICE);
    assertThat(billing.collect(alicesInvoice)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(connected).containsExactly(alicesWallet);
  }

  @Test
  void rotationTheOldKeyStillPaysTheNewKeySealsAndTheNextSaveReseals() {
    byte[] oldKey = AesGcmSecretCipherTest.counting(7);
    byte[] newKey = AesGcmSecretCipherTest.counting(50);
    String alicesWallet = wallets.uri("alice", TenantWalletBehaviour.PAYS);
    AesGcmSecretCipher before = AesGcmSecretCipher.builder().currentKey(oldKey).build();
    engine(before).saveTenant(ALICE, alicesWallet, null);
    assertThat(sealedOf(ALICE)).startsWith("v2:" + before.currentKeyId() + ":");

    AesGcmSecretCipher rotated =
        AesGcmSecretCipher.builder().currentKey(newKey).oldKey(oldKey).build();
    Billing billing = engine(rotated);
    String invoice = invoiceFor(billing, ALICE);
    assertThat(billing.collect(invoice)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(connected).containsExactly(alicesWallet);
    // Paying reads the value; it does not write it.
    assertThat(sealedOf(ALICE)).startsWith("v2:" + before.currentKeyId() + ":");

    billing.saveTenant(ALICE, alicesWallet, null);
    assertThat(sealedOf(ALICE)).startsWith("v2:" + rotated.currentKeyId() + ":");
    AesGcmSecretCipher retired = AesGcmSecretCipher.builder().currentKey(newKey).build();
    assertThat(retired.open(ALICE, sealedOf(ALICE))).isEqualTo(alicesWallet);
  }

  @Test
  void aUriSealedBy02StillPaysAndTheNextSaveSealsItBoundToItsTenant() {
    // 0.2 wrote this row: its format, its key.
    repository.saveTenant(Tenant.of(ALICE).withSealedNwcUri(AesGcmSecretCipherTest.SEALED_BY_0_2));
    wallets.behaviours.put(AesGcmSecretCipherTest.URI_OF_0_2, TenantWalletBehaviour.PAYS);
    AesGcmSecretCipher upgraded =
        AesGcmSecretCipher.builder().currentKey(AesGcmSecretCipherTest.KEY_OF_0_2).build();
    Billing billing = engine(upgraded);

    String invoice = invoiceFor(billing, ALICE);
    assertThat(billing.collect(invoice)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(connected).containsExactly(AesGcmSecretCipherTest.URI_OF_0_2);

    billing.saveTenant(ALICE, AesGcmSecretCipherTest.URI_OF_0_2, null);
    String migrated = sealedOf(ALICE);
    assertThat(migrated).startsWith("v2:" + upgraded.currentKeyId() + ":");
    assertThat(upgraded.open(ALICE, migrated)).isEqualTo(AesGcmSecretCipherTest.URI_OF_0_2);
    AesGcmSecretCipher strict =
        AesGcmSecretCipher.builder()
            .currentKey(AesGcmSecretCipherTest.KEY_OF_0_2)
            .refuseLegacyValues()
            .build();
    assertThat(strict.open(ALICE, migrated)).isEqualTo(AesGcmSecretCipherTest.URI_OF_0_2);
  }
}
