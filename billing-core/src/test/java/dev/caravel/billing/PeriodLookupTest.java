package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Invoice.Period;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A host finds a tenant's periods through {@link Period#of} and {@link Period#at} (the period
 * arithmetic itself is internal): month-end anchors clamp, periods tile, and bad input is refused.
 */
class PeriodLookupTest {
  private static final Instant JAN_31 = Instant.parse("2024-01-31T10:00:00Z");

  @Test
  void periodOfClampsAMonthEndAnchorToEachMonthsLastDay() {
    Period february = Period.of(JAN_31, 1);
    assertThat(february.index()).isEqualTo(1);
    assertThat(february.start()).isEqualTo("2024-02-29T10:00:00Z");
    assertThat(february.end()).isEqualTo("2024-03-31T10:00:00Z");
    assertThat(Period.of(JAN_31, 2).start()).isEqualTo(february.end());
  }

  @Test
  void periodAtFindsThePeriodHoldingTheInstantBoundariesIncluded() {
    assertThat(Period.at(JAN_31, JAN_31)).isEqualTo(Period.of(JAN_31, 0));
    assertThat(Period.at(JAN_31, Instant.parse("2024-03-31T09:59:59Z")))
        .isEqualTo(Period.of(JAN_31, 1));
    assertThat(Period.at(JAN_31, Instant.parse("2024-03-31T10:00:00Z")))
        .isEqualTo(Period.of(JAN_31, 2));
  }

  @Test
  void lookupsRefuseANegativeIndexAnInstantBeforeTheAnchorAndFractionsOfASecond() {
    assertThatThrownBy(() -> Period.of(JAN_31, -1)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Period.at(JAN_31, JAN_31.minusSeconds(1)))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Period.of(JAN_31.plusMillis(500), 0))
        .isInstanceOf(InvalidInputException.class);
  }
}
