package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reading a {@code get_budget} result. */
class NwcBudgetTest {
  static JsonNode json(String text) throws Exception {
    return Nip47.JSON.readTree(text);
  }

  @Test
  void readsUsedTotalRenewalAndWhatIsLeft() throws Exception {
    NwcBudget budget =
        NwcBudget.ofResult(
                json(
                    "{\"used_budget\":30000,\"total_budget\":100000,"
                        + "\"renews_at\":1900000000,\"renewal_period\":\"monthly\"}"))
            .orElseThrow();
    assertThat(budget.usedMsats()).isEqualTo(30_000);
    assertThat(budget.totalMsats()).isEqualTo(100_000);
    assertThat(budget.remainingMsats()).isEqualTo(70_000);
    assertThat(budget.renewsAt()).contains(Instant.ofEpochSecond(1_900_000_000L));
    assertThat(budget.renewal()).contains(BudgetRenewal.MONTHLY);
    assertThat(budget.allows(70_000)).isTrue();
    assertThat(budget.allows(70_001)).isFalse();
  }

  @Test
  void anEmptyResultMeansNoBudgetAndAnOverspentOneLeavesNothing() throws Exception {
    assertThat(NwcBudget.ofResult(json("{}"))).isEmpty();
    NwcBudget over =
        NwcBudget.ofResult(json("{\"used_budget\":120,\"total_budget\":100}")).orElseThrow();
    assertThat(over.remainingMsats()).isZero();
    assertThat(over.renewal()).isEqualTo(Optional.empty());
    NwcBudget oddPeriod =
        NwcBudget.ofResult(json("{\"total_budget\":5,\"renewal_period\":\"fortnightly\"}"))
            .orElseThrow();
    assertThat(oddPeriod.renewal()).isEmpty();
    assertThat(oddPeriod.usedMsats()).isZero();
  }

  @Test
  void amountsThatAreNotWholeMsatsAreABadResponse() {
    for (String bad :
        new String[] {
          "{\"used_budget\":1.5,\"total_budget\":100}",
          "{\"used_budget\":-1,\"total_budget\":100}",
          "{\"used_budget\":1}",
          "{\"total_budget\":\"100\"}"
        }) {
      assertThatThrownBy(() -> NwcBudget.ofResult(json(bad)))
          .isInstanceOfSatisfying(
              NwcException.class,
              e -> assertThat(e.error()).isEqualTo(NwcException.Code.BAD_RESPONSE));
    }
  }
}
