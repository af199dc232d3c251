package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class AesGcmSecretCipherTest {
  private final byte[] key = new byte[32];
  private final SecretCipher cipher = SecretCipher.aesGcm(key);

  @Test
  void sealsAndOpens() {
    String uri = "nostr+walletconnect://abc?relay=wss%3A%2F%2Frelay&secret=" + "f".repeat(64);
    String sealed = cipher.seal(uri);
    assertThat(sealed).startsWith("v1:").doesNotContain("ffff");
    assertThat(cipher.open(sealed)).isEqualTo(uri);
    assertThat(cipher.seal(uri)).isNotEqualTo(sealed); // a fresh nonce every time
  }

  @Test
  void tamperingAndWrongKeysAreRefused() {
    String sealed = cipher.seal("secret");
    char last = sealed.charAt(sealed.length() - 2);
    String tampered =
        sealed.substring(0, sealed.length() - 2)
            + (last == 'A' ? 'B' : 'A')
            + sealed.charAt(sealed.length() - 1);
    assertThatThrownBy(() -> cipher.open(tampered))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("authentication");
    byte[] other = new byte[32];
    other[0] = 1;
    assertThatThrownBy(() -> SecretCipher.aesGcm(other).open(sealed))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> cipher.open("plain"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("v1:");
    assertThatThrownBy(() -> cipher.open("v1:!!")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> cipher.open("v1:AAAA"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("short");
  }

  @Test
  void keysAreCheckedAndNeverShown() {
    assertThatThrownBy(() -> SecretCipher.aesGcm(new byte[16]))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> SecretCipher.aesGcm("not base64!"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageNotContaining("not base64!");
    byte[] k = new byte[32];
    k[5] = 42;
    String b64 = Base64.getEncoder().encodeToString(k);
    SecretCipher fromEnv = SecretCipher.aesGcm(b64);
    assertThat(fromEnv.open(SecretCipher.aesGcm(k).seal("x"))).isEqualTo("x");
    assertThat(fromEnv.toString()).doesNotContain(b64).contains("redacted");
  }
}
