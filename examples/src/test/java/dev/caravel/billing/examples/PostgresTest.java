package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** replay --jdbc and the production wiring on a real PostgreSQL server, each in its own schema. */
class PostgresTest {
  static EmbeddedPostgres postgres;

  @BeforeAll
  static void start() throws Exception {
    postgres =
        EmbeddedPostgres.builder()
            .setServerConfig("fsync", "off")
            .setServerConfig("synchronous_commit", "off")
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  /** A JDBC URL whose default schema is a new, empty one. */
  private static String freshSchema(String name) throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + name);
    }
    return postgres.getJdbcUrl("postgres", "postgres") + "&currentSchema=" + name;
  }

  @Test
  void replayIntoPostgresqlBillsTheGoldenOutputAndKeepsIt() throws Exception {
    String url = freshSchema("replay");
    Cli.Result r =
        Cli.run(
            "replay",
            "--plans",
            ReplayCommandTest.PLANS.toString(),
            "--events",
            ReplayCommandTest.EVENTS.toString(),
            "--jdbc",
            url);
    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .isEqualTo(Files.readString(ReplayCommandTest.EXPECTED, StandardCharsets.UTF_8));
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT string_agg(id || '=' || total, ',' ORDER BY id) FROM replay.billing_invoice")) {
      rs.next();
      assertThat(rs.getString(1))
          // inv-2 is voided but kept; the credit and the charge land on inv-3 and inv-5
          .isEqualTo("inv-1=500,inv-2=1500,inv-3=1800,inv-4=3917,inv-5=2066");
    }
  }

  @Test
  void theProductionWiringRunsOnPostgresql() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("BILLING_DATABASE_URL", freshSchema("wiring"));
    env.put("BILLING_DATABASE_POOL_SIZE", "2");
    env.put("BILLING_APP_URL", "https://relays.example");
    env.put("BILLING_LINK_SECRET", "dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==");
    env.put("BILLING_PLANS_FILE", ReplayCommandTest.PLANS.toString());
    try (ProductionWiring wiring = ProductionWiring.from(env)) {
      Billing billing = wiring.billing();
      Instant created = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
      billing.record(Activity.create("evt-1", ReplayCommandTest.T1, "r1", "pro", created));
      assertThat(billing.generateInvoice(ReplayCommandTest.T1))
          .get()
          .extracting(Invoice::total)
          .isEqualTo(1500L);
      wiring.start();
    }
  }
}
