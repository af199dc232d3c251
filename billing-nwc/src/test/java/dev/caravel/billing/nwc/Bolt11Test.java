package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Bolt11Test {
  /** BOLT #11's "please send $3 for a cup of coffee to the same peer, within one minute". */
  static final String COFFEE =
      "lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu"
          + "aztrnwngzn3kdzw5hydlzf03qdgm2hdq27cqv3agm2awhz5se903vruatfhq77w3ls4evs3ch9zw97j25emudupq63nyw"
          + "24cg27h2rspfj9srp";

  /** BOLT #11's "please make a donation of any amount" (no amount). */
  static final String DONATION =
      "lnbc1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjyp"
          + "eh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq8rkx3yf5tcsyz3d73gafnh3cax9rn449d9p5uxz9ezhhypd0elx87sjle5"
          + "2x86fux2ypatgddc6k63n7erqz25le42c4u4ecky03ylcqca784w";

  @Test
  void decodesTheSpecExample() {
    Bolt11 b = Bolt11.decode(COFFEE);
    assertThat(b.paymentHash())
        .isEqualTo("0001020304050607080900010203040506070809000102030405060708090102");
    assertThat(b.msats()).contains(250_000_000L);
    assertThat(b.timestamp()).isEqualTo(1496314658L);
    assertThat(b.expirySeconds()).isEqualTo(60);
    assertThat(b.expiresAt()).isEqualTo(1496314718L);
    assertThat(Bolt11.decode("lightning:" + COFFEE.toUpperCase())).isEqualTo(b);
  }

  @Test
  void anInvoiceWithoutAmountHasNoneAndTheDefaultExpiry() {
    Bolt11 b = Bolt11.decode(DONATION);
    assertThat(b.msats()).isEmpty();
    assertThat(b.expirySeconds()).isEqualTo(3600);
  }

  @ParameterizedTest
  @CsvSource({"1, 100000000000", "2m, 200000000", "25u, 2500000", "10n, 1000", "210p, 21"})
  void amountMultipliers(String amount, long msats) {
    // Re-encode the coffee invoice's data under another amount: the checksum covers the hrp, so
    // build a fresh one.
    String hrp = "lnbc" + amount;
    String data = COFFEE.substring(COFFEE.lastIndexOf('1') + 1, COFFEE.length() - 6);
    String invoice = hrp + "1" + data + checksum(hrp, data);
    assertThat(Bolt11.decode(invoice).msats()).contains(msats);
  }

  @Test
  void refusesWhatIsNotABolt11() {
    String flipped =
        COFFEE.substring(0, 40) + (COFFEE.charAt(40) == 'q' ? 'p' : 'q') + COFFEE.substring(41);
    for (String bad :
        new String[] {
          "",
          "lnbc",
          "not an invoice",
          flipped,
          COFFEE.replace("lnbc2500u", "xxbc2500u"),
          "lnbc2500u1" + "q".repeat(50),
          COFFEE.substring(0, 10) + COFFEE.substring(10).toUpperCase()
        }) {
      assertThatThrownBy(() -> Bolt11.decode(bad))
          .as(bad)
          .isInstanceOf(InvalidInputException.class);
    }
  }

  @Test
  void refusesAPicoAmountThatIsNotAWholeMsat() {
    String hrp = "lnbc211p";
    String data = COFFEE.substring(COFFEE.lastIndexOf('1') + 1, COFFEE.length() - 6);
    assertThatThrownBy(() -> Bolt11.decode(hrp + "1" + data + checksum(hrp, data)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("whole msat");
  }

  private static final String CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  private static final int[] GEN = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};

  static String checksum(String hrp, String data) {
    int chk = 1;
    int[] values = new int[hrp.length() * 2 + 1 + data.length() + 6];
    int n = 0;
    for (char c : hrp.toCharArray()) {
      values[n++] = c >> 5;
    }
    values[n++] = 0;
    for (char c : hrp.toCharArray()) {
      values[n++] = c & 31;
    }
    for (char c : data.toCharArray()) {
      values[n++] = CHARSET.indexOf(c);
    }
    for (int v : values) {
      int top = chk >>> 25;
      chk = ((chk & 0x1ffffff) << 5) ^ v;
      for (int i = 0; i < 5; i++) {
        if (((top >>> i) & 1) != 0) {
          chk ^= GEN[i];
        }
      }
    }
    chk ^= 1;
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      out.append(CHARSET.charAt((chk >>> (5 * (5 - i))) & 31));
    }
    return out.toString();
  }
}
