/**
 * Caravel Billing's core: the engine and what a host uses ({@code dev.caravel.billing}), and what a
 * storage implements ({@code dev.caravel.billing.spi}). No dependency beyond the JDK.
 */
module dev.caravel.billing {
  exports dev.caravel.billing;
  exports dev.caravel.billing.spi;
}
