package dev.caravel.billing.nostr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.caravel.billing.nostr.internal.Hex;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * BIP-340 published vectors, every row (see src/test/resources/README.md). NIP-44's are in {@code
 * protocol.Nip44VectorsTest}.
 */
class VectorsTest {

  @TestFactory
  Stream<DynamicTest> bip340() throws IOException {
    List<String[]> rows = new ArrayList<>();
    try (BufferedReader r = reader("bip340-test-vectors.csv")) {
      r.readLine(); // header
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isBlank()) {
          rows.add(line.split(",", -1));
        }
      }
    }
    assertThat(rows).hasSize(19);
    return rows.stream()
        .map(
            row ->
                dynamicTest(
                    "bip340 row " + row[0] + " " + row[7],
                    () -> {
                      byte[] pub = Hex.decode(row[2], "pub");
                      byte[] msg = Hex.decode(row[4], "msg");
                      byte[] sig = Hex.decode(row[5], "sig");
                      boolean expected = row[6].equals("TRUE");
                      if (!row[1].isEmpty()) {
                        BigInteger d = new BigInteger(row[1], 16);
                        NostrKeys keys = NostrKeys.fromSecretHex(row[1].toLowerCase());
                        assertThat(keys.publicKeyHex()).isEqualToIgnoringCase(row[2]);
                        byte[] aux = Hex.decode(row[3], "aux");
                        assertThat(Hex.encode(Schnorr.sign(msg, d, aux)))
                            .isEqualToIgnoringCase(row[5]);
                      }
                      assertThat(Schnorr.verify(msg, pub, sig)).isEqualTo(expected);
                    }));
  }

  // --- helpers ---

  private static BufferedReader reader(String resource) {
    return new BufferedReader(
        new InputStreamReader(
            VectorsTest.class.getResourceAsStream("/" + resource), StandardCharsets.UTF_8));
  }
}
