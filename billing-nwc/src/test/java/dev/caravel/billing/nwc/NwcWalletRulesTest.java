package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.LightningWallet.PayOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The settlement rule and the pay-outcome mapping, without a wallet. */
class NwcWalletRulesTest {
  static final String PREIMAGE = "00".repeat(32);
  static final String HASH = "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925";

  static JsonNode json(String s) throws Exception {
    return Nip47.JSON.readTree(s);
  }

  @Test
  void settledByStateOrSettledAt() throws Exception {
    assertThat(NwcWallet.settled(json("{\"state\":\"settled\"}"), HASH)).isTrue();
    assertThat(NwcWallet.settled(json("{\"settled_at\":1700000000}"), HASH)).isTrue();
    assertThat(
            NwcWallet.settled(
                json(
                    "{\"state\":\"SETTLED\",\"settled_at\":1700000000,\"preimage\":\""
                        + PREIMAGE
                        + "\",\"payment_hash\":\""
                        + HASH
                        + "\"}"),
                HASH))
        .isTrue();
  }

  @Test
  void aMissingPreimageDoesNotMeanUnpaid() throws Exception {
    assertThat(NwcWallet.settled(json("{\"state\":\"settled\",\"preimage\":\"\"}"), HASH)).isTrue();
    assertThat(NwcWallet.settled(json("{\"settled_at\":5,\"preimage\":null}"), HASH)).isTrue();
  }

  @Test
  void unpaidWhenNeither() throws Exception {
    assertThat(NwcWallet.settled(json("{\"state\":\"pending\"}"), HASH)).isFalse();
    assertThat(NwcWallet.settled(json("{\"state\":\"pending\",\"settled_at\":null}"), HASH))
        .isFalse();
    assertThat(NwcWallet.settled(json("{\"settled_at\":0}"), HASH)).isFalse();
    assertThat(NwcWallet.settled(json("{}"), HASH)).isFalse();
    // An unpaid invoice may carry its preimage (the receiver knows it): still unpaid.
    assertThat(
            NwcWallet.settled(
                json("{\"state\":\"pending\",\"preimage\":\"" + PREIMAGE + "\"}"), HASH))
        .isFalse();
  }

  @Test
  void aWrongPreimageOrAnotherInvoiceOrAContradictionIsABadResponse() throws Exception {
    for (String tx :
        new String[] {
          "{\"state\":\"settled\",\"preimage\":\"" + "11".repeat(32) + "\"}",
          "{\"state\":\"settled\",\"preimage\":\"not hex\"}",
          "{\"state\":\"settled\",\"payment_hash\":\"" + "22".repeat(32) + "\"}",
          "{\"state\":\"failed\",\"settled_at\":1700000000}"
        }) {
      assertThatThrownBy(() -> NwcWallet.settled(json(tx), HASH))
          .as(tx)
          .isInstanceOfSatisfying(
              NwcException.class,
              e -> assertThat(e.error()).isEqualTo(NwcException.Code.BAD_RESPONSE));
    }
  }

  @Test
  void paidOnlyWithTheMatchingPreimage() throws Exception {
    assertThat(
            NwcWallet.payOutcome(new Reply.Ok(json("{\"preimage\":\"" + PREIMAGE + "\"}")), HASH))
        .isEqualTo(new PayOutcome.Paid(PREIMAGE));
    assertThat(
            NwcWallet.payOutcome(
                new Reply.Ok(json("{\"preimage\":\"" + PREIMAGE.toUpperCase() + "\"}")), HASH))
        .isEqualTo(new PayOutcome.Paid(PREIMAGE));
    assertThat(
            NwcWallet.payOutcome(
                new Reply.Ok(json("{\"preimage\":\"" + "11".repeat(32) + "\"}")), HASH))
        .isInstanceOf(PayOutcome.Unknown.class);
    assertThat(NwcWallet.payOutcome(new Reply.Ok(json("{\"fees_paid\":0}")), HASH))
        .isInstanceOf(PayOutcome.Unknown.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "RATE_LIMITED",
        "NOT_IMPLEMENTED",
        "INSUFFICIENT_BALANCE",
        "QUOTA_EXCEEDED",
        "RESTRICTED",
        "UNAUTHORIZED",
        "PAYMENT_FAILED",
        "NOT_FOUND",
        "UNSUPPORTED_ENCRYPTION"
      })
  void certainErrorsAreFailures(String code) {
    assertThat(NwcWallet.payOutcome(new Reply.Err(code, "m"), HASH))
        .isEqualTo(new PayOutcome.Failed(code, code + ": m"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"INTERNAL", "OTHER", "NEW_CODE"})
  void uncertainErrorsAreUnknown(String code) {
    assertThat(NwcWallet.payOutcome(new Reply.Err(code, "m"), HASH))
        .isInstanceOf(PayOutcome.Unknown.class);
  }

  @Test
  void silenceAndGarbleAreUnknownButARefusedRequestFailed() {
    assertThat(NwcWallet.payOutcome(new Reply.NoReply("t"), HASH))
        .isEqualTo(new PayOutcome.Unknown("t"));
    assertThat(NwcWallet.payOutcome(new Reply.Malformed("m"), HASH))
        .isEqualTo(new PayOutcome.Unknown("m"));
    assertThat(NwcWallet.payOutcome(new Reply.NotDelivered("n"), HASH))
        .isEqualTo(new PayOutcome.Failed("NOT_DELIVERED", "n"));
    assertThat(NwcWallet.payOutcome(new Reply.Err("NOT_IMPLEMENTED", "no", true), HASH))
        .isInstanceOf(PayOutcome.Failed.class);
  }

  @Test
  void walletCodesMapToTheirType() {
    assertThat(NwcException.Code.ofWallet("rate_limited"))
        .isEqualTo(NwcException.Code.RATE_LIMITED);
    assertThat(NwcException.Code.ofWallet("TIMEOUT")).isEqualTo(NwcException.Code.UNRECOGNIZED);
    assertThat(NwcException.Code.ofWallet("BAD_RESPONSE"))
        .isEqualTo(NwcException.Code.UNRECOGNIZED);
    assertThat(NwcException.Code.ofWallet(null)).isEqualTo(NwcException.Code.UNRECOGNIZED);
    assertThat(NwcException.Code.ofWallet("??")).isEqualTo(NwcException.Code.UNRECOGNIZED);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
    "1, 1000",
    "999, 1000",
    "1000, 1000",
    "1001, 2000",
    "21500, 22000",
    "21000, 21000",
    "9223372036854775000, 9223372036854775000"
  })
  void invoiceAmountsRoundUpToWholeSats(long msats, long asked) {
    assertThat(NwcWallet.wholeSats(msats)).isEqualTo(asked);
  }

  @Test
  void aPaymentReceivedNotificationNamesItsPaymentHash() {
    String ok =
        "{\"notification_type\":\"payment_received\",\"notification\":{\"payment_hash\":\""
            + HASH
            + "\",\"preimage\":\""
            + PREIMAGE
            + "\"}}";
    assertThat(Nip47.paymentReceived(ok)).isEqualTo(HASH);
    assertThat(Nip47.paymentReceived(ok.replace(PREIMAGE, "11".repeat(32))))
        .as("wrong preimage")
        .isNull();
    assertThat(Nip47.paymentReceived(ok.replace("payment_received", "payment_sent"))).isNull();
    assertThat(Nip47.paymentReceived("not json")).isNull();
  }
}
