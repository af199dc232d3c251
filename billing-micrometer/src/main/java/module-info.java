/** Micrometer metrics for Caravel Billing: counters, timers and gauges, without Spring. */
module dev.caravel.billing.micrometer {
  requires transitive dev.caravel.billing;
  requires transitive micrometer.core;

  exports dev.caravel.billing.micrometer;
}
