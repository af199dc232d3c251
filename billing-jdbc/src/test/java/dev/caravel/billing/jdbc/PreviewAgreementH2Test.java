package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.testkit.PreviewAgreement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * S23 on H2: the random histories of {@link PreviewAgreement}, whose preview and upcoming invoices
 * equal what generating then makes, run on the JDBC storage too (its reads feed the preview, its
 * writes the invoice compared with it).
 */
class PreviewAgreementH2Test {
  @Test
  void previewAndUpcomingEqualWhatGeneratingThenMakesOnH2() {
    int compared = 0;
    for (long seed = 1; seed <= 4; seed++) {
      DataSource h2 = Databases.newH2();
      JdbcRepository.migrate(h2);
      compared += PreviewAgreement.check(new JdbcRepository(h2), seed, 40);
      Databases.shutdownH2(h2);
    }
    assertThat(compared).as("invoices compared with their preview").isGreaterThan(10);
  }
}
