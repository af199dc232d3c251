package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** DESIGN "Security": a tenant's DM is fixed text, the link and, for a failure, one sentence. */
class DirectMessagesTest {
  @Test
  void thePlainRequestIsTheRequestAndTheLink() {
    assertThat(
            DirectMessages.askToPay(
                "https://x/account?invoice=inv&token=t", CustomerNotice.PAYMENT_DUE))
        .isEqualTo(DirectMessages.MANUAL_PAYMENT_DM + "\n\nhttps://x/account?invoice=inv&token=t");
  }

  @ParameterizedTest
  @EnumSource(value = CustomerNotice.class, names = "PAYMENT_DUE", mode = EnumSource.Mode.EXCLUDE)
  void aFailureAddsItsFixedSentenceAfterTheLinkAndNothingElse(CustomerNotice notice) {
    assertThat(DirectMessages.askToPay("https://x/account?invoice=inv&token=t", notice))
        .isEqualTo(
            DirectMessages.MANUAL_PAYMENT_DM
                + "\n\nhttps://x/account?invoice=inv&token=t\n\n"
                + notice.sentence());
  }

  @Test
  void aWalletsCodeNotItsMessagePicksTheSentence() {
    assertThat(CustomerNotice.forWalletCode("INSUFFICIENT_BALANCE"))
        .isEqualTo(CustomerNotice.WALLET_NO_BALANCE);
    assertThat(CustomerNotice.forWalletCode("OTHER")).isEqualTo(CustomerNotice.WALLET_FAILED);
    assertThat(CustomerNotice.forWalletCode("PAYMENT_FAILED"))
        .isEqualTo(CustomerNotice.WALLET_FAILED);
  }
}
