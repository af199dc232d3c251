package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The cipher alone: the 0.3 format bound to tenant and key, rotation, and 0.2's values. */
class AesGcmSecretCipherTest {
  /** The key of {@link #SEALED_BY_0_2}: the bytes 0, 1, ..., 31. */
  static final byte[] KEY_OF_0_2 = counting(0);

  /**
   * What 0.2's {@code SecretCipher.aesGcm(KEY_OF_0_2).seal(URI_OF_0_2)} stored: made by that code
   * (the {@code v1:} format, associated data {@code v1:}) and kept as it came out.
   */
  static final String SEALED_BY_0_2 =
      "v1:xgEX678I1_FXKjusS1zUc7GXPDw4QbF1vbuutJuUzGZNkPboS8b3RYjSQFXamIfK1lseAHOh8XL2y1qipLWdk2D"
          + "_Hb007faWF0q8XQONxkDbUkwI-S5FGbGQc51lDXBT_arFOcFta1ijghcu6yz3RxbbIVx4Nlo8JA9a0BwvRZ2lQN_"
          + "PyvhUGYxCjayE3mUIxwft4X9pzbJZ9RbNEI2A2dRGA-O-AI9HzdmWYGlWbOmTwhHdKYO5oRSaQNkN5rG7zX5_EHJ"
          + "EMsP4IF0O_Ui2dJiMzU7rVou7eoE";

  static final String URI_OF_0_2 =
      "nostr+walletconnect://"
          + "1".repeat(64)
          + "?relay=wss%3A%2F%2Frelay.example&secret="
          + "2".repeat(64);

  private static final String URI =
      "nostr+walletconnect://abc?relay=wss%3A%2F%2Frelay&secret=" + "f".repeat(64);

  private final byte[] key = new byte[32];
  private final AesGcmSecretCipher cipher = AesGcmSecretCipher.builder().currentKey(key).build();

  static byte[] counting(int from) {
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (from + i);
    }
    return key;
  }

  @Test
  void sealsForATenantUnderTheCurrentKeyIdAndOpensForThatTenant() {
    String sealed = cipher.seal(ALICE, URI);
    assertThat(sealed).startsWith("v2:" + cipher.currentKeyId() + ":").doesNotContain("ffff");
    assertThat(cipher.currentKeyId()).hasSize(8).matches("[A-Za-z0-9_-]{8}");
    assertThat(cipher.open(ALICE, sealed)).isEqualTo(URI);
    assertThat(cipher.seal(ALICE, URI)).isNotEqualTo(sealed); // a fresh nonce every time
  }

  @Test
  void aValueSealedForOneTenantDoesNotOpenForAnother() {
    String alices = cipher.seal(ALICE, URI);
    assertThatThrownBy(() -> cipher.open(BOB, alices))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("sealed for another tenant")
        .hasMessageContaining(BOB)
        .hasMessageNotContaining("ffff");
  }

  @Test
  void aValueRelabelledWithAnotherKeyOfTheRingDoesNotOpen() {
    byte[] other = counting(100);
    AesGcmSecretCipher ring = AesGcmSecretCipher.builder().currentKey(key).oldKey(other).build();
    String otherId = AesGcmSecretCipher.builder().currentKey(other).build().currentKeyId();
    String sealed = ring.seal(ALICE, URI);
    String relabelled = "v2:" + otherId + sealed.substring(("v2:" + otherId).length());
    assertThatThrownBy(() -> ring.open(ALICE, relabelled))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("failed authentication");
  }

  @Test
  void tamperingAndMalformedValuesAreRefused() {
    String sealed = cipher.seal(ALICE, "secret");
    char last = sealed.charAt(sealed.length() - 2);
    String tampered =
        sealed.substring(0, sealed.length() - 2)
            + (last == 'A' ? 'B' : 'A')
            + sealed.charAt(sealed.length() - 1);
    assertThatThrownBy(() -> cipher.open(ALICE, tampered))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("authentication");
    assertThatThrownBy(() -> cipher.open(ALICE, "plain"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("v2:");
    assertThatThrownBy(() -> cipher.open(ALICE, null)).isInstanceOf(InvalidInputException.class);
    String id = cipher.currentKeyId();
    assertThatThrownBy(() -> cipher.open(ALICE, "v2:" + id))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> cipher.open(ALICE, "v2:" + id + ":!!"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("base64url");
    assertThatThrownBy(() -> cipher.open(ALICE, "v2:" + id + ":AAAA"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("short");
    assertThatThrownBy(() -> cipher.open(ALICE, "v1:!!")).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void theTenantIsAPubkeySoSwappedArgumentsFailLoudly() {
    assertThatThrownBy(() -> cipher.seal(URI, ALICE)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> cipher.open("alice", cipher.seal(ALICE, URI)))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void rotationTheOldKeyOpensTheNewKeySealsARetiredKeyIsNamed() {
    byte[] oldKey = counting(7);
    byte[] newKey = counting(50);
    AesGcmSecretCipher before = AesGcmSecretCipher.builder().currentKey(oldKey).build();
    String sealedBefore = before.seal(ALICE, URI);

    AesGcmSecretCipher rotated =
        AesGcmSecretCipher.builder().currentKey(newKey).oldKey(oldKey).build();
    assertThat(rotated.currentKeyId()).isNotEqualTo(before.currentKeyId());
    assertThat(rotated.open(ALICE, sealedBefore)).isEqualTo(URI);
    String sealedAfter = rotated.seal(ALICE, URI);
    assertThat(sealedAfter).startsWith("v2:" + rotated.currentKeyId() + ":");

    AesGcmSecretCipher retired = AesGcmSecretCipher.builder().currentKey(newKey).build();
    assertThat(retired.open(ALICE, sealedAfter)).isEqualTo(URI);
    assertThatThrownBy(() -> retired.open(ALICE, sealedBefore))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("key id " + before.currentKeyId())
        .hasMessageContaining("not in this cipher's ring");
    // The old key alone cannot open what the new one sealed.
    assertThatThrownBy(() -> before.open(ALICE, sealedAfter))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void aValueSealedBy02OpensUnderAnyKeyOfTheRingForAnyTenant() {
    SecretCipher same = SecretCipher.aesGcm(KEY_OF_0_2);
    assertThat(same.open(ALICE, SEALED_BY_0_2)).isEqualTo(URI_OF_0_2);
    // 0.2's values name no tenant: that is why the next save replaces them.
    assertThat(same.open(BOB, SEALED_BY_0_2)).isEqualTo(URI_OF_0_2);
    AesGcmSecretCipher rotated =
        AesGcmSecretCipher.builder().currentKey(counting(60)).oldKey(KEY_OF_0_2).build();
    assertThat(rotated.open(ALICE, SEALED_BY_0_2)).isEqualTo(URI_OF_0_2);
    assertThatThrownBy(() -> cipher.open(ALICE, SEALED_BY_0_2))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("0.1/0.2")
        .hasMessageContaining("every key of the ring");
  }

  @Test
  void aRingThatRefusesLegacyValuesRefuses02sValuesAndStillOpensBoundOnes() {
    AesGcmSecretCipher strict =
        AesGcmSecretCipher.builder().currentKey(KEY_OF_0_2).refuseLegacyValues().build();
    assertThatThrownBy(() -> strict.open(ALICE, SEALED_BY_0_2))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("refuses");
    assertThat(strict.open(ALICE, strict.seal(ALICE, URI))).isEqualTo(URI);
  }

  @Test
  void keysAreCheckedAndNeverShown() {
    assertThatThrownBy(() -> SecretCipher.aesGcm(new byte[16]))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> SecretCipher.aesGcm("not base64!"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageNotContaining("not base64!");
    assertThatThrownBy(() -> SecretCipher.aesGcm((String) null))
        .isInstanceOf(InvalidInputException.class);
    byte[] k = new byte[32];
    k[5] = 42;
    String b64 = Base64.getEncoder().encodeToString(k);
    SecretCipher fromEnv = SecretCipher.aesGcm(b64);
    assertThat(fromEnv.open(ALICE, SecretCipher.aesGcm(k).seal(ALICE, "x"))).isEqualTo("x");
    assertThat(fromEnv.toString())
        .doesNotContain(b64)
        .contains("redacted")
        .contains(((AesGcmSecretCipher) fromEnv).currentKeyId());
  }

  @Test
  void aRingHasOneCurrentKeyAndAKeyListedTwiceCountsOnce() {
    assertThatThrownBy(() -> AesGcmSecretCipher.builder().oldKey(key).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("current key");
    assertThatThrownBy(() -> AesGcmSecretCipher.builder().currentKey(key).currentKey(counting(1)))
        .isInstanceOf(IllegalStateException.class);
    AesGcmSecretCipher twice =
        AesGcmSecretCipher.builder().currentKey(key).oldKey(key).oldKey(counting(1)).build();
    assertThat(twice.toString()).contains(twice.currentKeyId());
    assertThat(twice.open(ALICE, cipher.seal(ALICE, URI))).isEqualTo(URI);
  }
}
