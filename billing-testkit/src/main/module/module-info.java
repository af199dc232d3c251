/**
 * The Repository contract kit, a driven clock and a race helper, for tests. Open, so a test engine
 * may reach the kit's test methods reflectively.
 */
open module dev.caravel.billing.testkit {
  requires transitive dev.caravel.billing;
  requires transitive org.junit.jupiter.api;
  requires transitive org.assertj.core;

  exports dev.caravel.billing.testkit;
}
