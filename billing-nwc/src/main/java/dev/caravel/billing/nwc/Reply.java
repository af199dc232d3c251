package dev.caravel.billing.nwc;

import com.fasterxml.jackson.databind.JsonNode;

/** What became of one NIP-47 request. */
sealed interface Reply {

  /** The wallet answered with a result. */
  record Ok(JsonNode result) implements Reply {}

  /**
   * The wallet answered with an error code (or this client refused before sending: {@code local}).
   */
  record Err(String code, String message, boolean local) implements Reply {
    Err(String code, String message) {
      this(code, message, false);
    }
  }

  /** No answer before the deadline: the request may or may not have been carried out. */
  record NoReply(String why) implements Reply {}

  /** Every relay refused the request: the wallet cannot have seen it. */
  record NotDelivered(String why) implements Reply {}

  /** The wallet's own, signed answer could not be read. */
  record Malformed(String why) implements Reply {}
}
