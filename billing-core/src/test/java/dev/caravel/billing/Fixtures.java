package dev.caravel.billing;

import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;

/** Plans and tenants shared by the core tests. */
final class Fixtures {
  static final Plan FREE = new Plan("free", "Free", 0);
  static final Plan BASIC = new Plan("basic", "Basic", 500);
  static final Plan PRO = new Plan("pro", "Pro", 2000);
  static final Plan ODD = new Plan("odd", "Odd", 999);
  static final PlanCatalogue CATALOGUE = PlanCatalogue.of(FREE, BASIC, PRO, ODD);

  static final String ALICE = tenant(1);
  static final String BOB = tenant(2);

  /**
   * A messenger whose DMs go nowhere: a round with no rail still asks the tenant, so it counts as a
   * failed round (S13). With no rail and no messenger at all, no round runs (issue 26).
   */
  static final Messenger UNREAD = (to, text) -> {};

  private Fixtures() {}

  /** A valid pubkey for tenant number {@code n}. */
  static String tenant(int n) {
    return String.format("%064x", n);
  }

  static Instant at(String iso) {
    return Instant.parse(iso);
  }

  static BillingBuilder engine(Repository repository, MutableClock clock) {
    return Billing.builder()
        .repository(repository)
        .catalogue(CATALOGUE)
        .clock(clock)
        .appUrl("https://relays.example")
        .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
        .instanceId("test");
  }

  /**
   * Appends {@code activity} straight to the repository, judged as {@link Billing#record} judges it
   * against the log ({@link ActivityAdmission#againstLog}) but without billing it: a missed event
   * for the poll to find, or a race with engines. A refusal is thrown; a taken id is false.
   */
  static boolean appendJudged(Repository repository, Activity activity) {
    while (true) {
      java.util.Optional<dev.caravel.billing.spi.TenantLedger> read =
          repository.ledgers(java.util.List.of(activity.tenant())).stream().findFirst();
      java.util.Optional<ActivityRejectedException> refusal =
          ActivityAdmission.againstLog(activity, read);
      if (refusal.isPresent()) {
        throw refusal.get();
      }
      dev.caravel.billing.spi.ActivityWrite written =
          repository.appendActivity(activity, read, Trials.anchoring(activity, read));
      if (!(written instanceof dev.caravel.billing.spi.ActivityWrite.LogMoved)) {
        return written instanceof dev.caravel.billing.spi.ActivityWrite.Appended;
      }
    }
  }
}
