package dev.caravel.billing.stripe.fake;

import java.util.Map;

/** One answer of the fake's API: status, JSON body, and the headers it adds. */
record Reply(int status, String body, boolean replayed, Map<String, String> headers) {
  static Reply of(int status, String body) {
    return new Reply(status, body, false, Map.of());
  }

  Reply replay() {
    return new Reply(status, body, true, headers);
  }
}
