package dev.caravel.billing.nwc;

import dev.caravel.billing.RailException;
import dev.caravel.billing.RailException.Rail;
import java.util.Locale;

/**
 * The wallet could not do what was asked, typed: {@link #error()} is one of the NIP-47 error codes
 * the wallet sent, or one of the client-side outcomes ({@link Code#TIMEOUT}, ...). {@link #code()}
 * is the code as a string; for a code this library does not know, it is the wallet's own string and
 * {@link #error()} is {@link Code#UNRECOGNIZED}.
 */
public final class NwcException extends RailException {

  /** NIP-47 error codes, then what can go wrong on this side. */
  public enum Code {
    // --- sent by the wallet (NIP-47) ---
    /** The client is sending commands too fast; retry in a few seconds. */
    RATE_LIMITED,
    /** The command is not known or is intentionally not implemented. */
    NOT_IMPLEMENTED,
    /** Not enough funds to cover a fee reserve or the amount. */
    INSUFFICIENT_BALANCE,
    /** The wallet has exceeded its spending quota (budget). */
    QUOTA_EXCEEDED,
    /** This key is not allowed to do this operation. */
    RESTRICTED,
    /** This key has no wallet connected. */
    UNAUTHORIZED,
    /** An internal error in the wallet. */
    INTERNAL,
    /** Another error. */
    OTHER,
    /** The payment failed (no route, timeout, capacity...). */
    PAYMENT_FAILED,
    /** The invoice could not be found. */
    NOT_FOUND,
    /** The wallet does not support the encryption the request used. */
    UNSUPPORTED_ENCRYPTION,
    /** A code the wallet sent that this library does not know; {@link #code()} has it. */
    UNRECOGNIZED,

    // --- on this side ---
    /** No answer in time: the request may still have been carried out. */
    TIMEOUT,
    /** Every relay refused the request, so the wallet never saw it. */
    NOT_DELIVERED,
    /** The wallet's own answer was unreadable, inconsistent or failed a check (e.g. a preimage). */
    BAD_RESPONSE,
    /** The wallet has published no usable info event (kind 13194). */
    NO_INFO;

    /** The enum value for a wallet's code string: UNRECOGNIZED when unknown. */
    static Code ofWallet(String code) {
      if (code == null) {
        return UNRECOGNIZED;
      }
      try {
        Code c = valueOf(code.toUpperCase(Locale.ROOT));
        return c.ordinal() <= UNRECOGNIZED.ordinal() && c != UNRECOGNIZED ? c : UNRECOGNIZED;
      } catch (IllegalArgumentException e) {
        return UNRECOGNIZED;
      }
    }
  }

  private final Code error;

  NwcException(Code error, String code, String message) {
    super(Rail.NWC, code, message);
    this.error = error;
  }

  NwcException(Code error, String message) {
    this(error, error.name(), message);
  }

  /** The typed code. */
  public Code error() {
    return error;
  }

  /** True when nothing was heard back in time: the request may have been carried out. */
  public boolean isTimeout() {
    return error == Code.TIMEOUT;
  }
}
