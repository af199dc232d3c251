/**
 * Caravel Billing's core: the engine and what a host uses ({@code dev.caravel.billing}), what a
 * storage implements ({@code dev.caravel.billing.spi}), and the in-memory storage ({@code
 * dev.caravel.billing.memory}). No dependency beyond the JDK.
 */
module dev.caravel.billing {
  exports dev.caravel.billing;
  exports dev.caravel.billing.spi;
  exports dev.caravel.billing.memory;
}
