package dev.caravel.billing.memory;

import java.time.Instant;

/** Orders the tenants by their next instant of work, then pubkey. */
record DueKey(Instant at, String pubkey) implements Comparable<DueKey> {
  @Override
  public int compareTo(DueKey o) {
    int byTime = at.compareTo(o.at);
    return byTime != 0 ? byTime : pubkey.compareTo(o.pubkey);
  }
}
