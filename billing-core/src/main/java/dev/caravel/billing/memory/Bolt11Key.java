package dev.caravel.billing.memory;

import dev.caravel.billing.Invoice.Bolt11Request;
import java.time.Instant;

/** Orders the unsettled BOLT11 requests by expiry, then invoice. */
record Bolt11Key(Instant expiresAt, String invoiceId) implements Comparable<Bolt11Key> {
  static Bolt11Key of(Bolt11Request request) {
    return new Bolt11Key(request.expiresAt(), request.invoiceId());
  }

  @Override
  public int compareTo(Bolt11Key o) {
    int byTime = expiresAt.compareTo(o.expiresAt);
    return byTime != 0 ? byTime : invoiceId.compareTo(o.invoiceId);
  }
}
