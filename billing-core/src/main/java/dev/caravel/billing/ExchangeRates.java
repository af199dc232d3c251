package dev.caravel.billing;

/** Fiat to Lightning at the current price. Implementations must be thread-safe. */
public interface ExchangeRates {

  /**
   * Millisatoshis worth {@code minorUnits} of {@code currency} now, rounded up to a whole msat.
   *
   * @throws RailException when no trustworthy price is available
   */
  long toMsats(long minorUnits, String currency);
}
