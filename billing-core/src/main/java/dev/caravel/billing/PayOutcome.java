package dev.caravel.billing;

/** What a wallet said when asked to pay a BOLT11 invoice. */
public sealed interface PayOutcome {

  /** Paid; the preimage proves it (checked against the payment hash by the wallet adapter). */
  record Paid(String preimage) implements PayOutcome {}

  /** The wallet refused or failed for certain: {@code code} is its error code (e.g. INSUFFICIENT_BALANCE). */
  record Failed(String code, String message) implements PayOutcome {}

  /** No answer in time or the connection dropped: the payment may still go through. */
  record Unknown(String message) implements PayOutcome {}
}
