package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DirectMessagesTest {
  @Test
  void summariesFoldWhitespaceAndCutAt240() {
    assertThat(DirectMessages.summarize("  a\n\tb   c ")).isEqualTo("a b c");
    assertThat(DirectMessages.summarize(" \n ")).isEmpty();
    assertThat(DirectMessages.summarize("x".repeat(240))).hasSize(240).doesNotEndWith("...");
    assertThat(DirectMessages.summarize("x".repeat(241))).isEqualTo("x".repeat(237) + "...");
  }

  @Test
  void cuttingNeverSplitsACharacter() {
    String emoji = "\uD83D\uDE00"; // one code point, two chars
    String cut = DirectMessages.summarize(emoji.repeat(300));
    assertThat(cut.codePointCount(0, cut.length())).isEqualTo(240);
    assertThat(cut).isEqualTo(emoji.repeat(237) + "...");
  }

  @Test
  void aBlankErrorAddsNoLine() {
    String text =
        DirectMessages.manualPayment("https://x", "inv", new DirectMessages.Failure("nwc", "  "));
    assertThat(text)
        .isEqualTo(DirectMessages.MANUAL_PAYMENT_DM + "\n\nhttps://x/account?invoice=inv");
  }
}
