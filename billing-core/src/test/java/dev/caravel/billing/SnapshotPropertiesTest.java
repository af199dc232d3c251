package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.TenantLedger;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * S17 keeps S8: for random logs and random snapshot points, a snapshot (the relay states as of the
 * start of a renewed period) plus the log's tail after it yields exactly the items the whole log
 * does, reconciled or renewed, and the same next snapshot.
 */
class SnapshotPropertiesTest {
  private final Ledger rules = new Ledger(Fixtures.CATALOGUE);

  @Property(tries = 2000)
  void snapshotPlusTailYieldsTheItemsOfTheWholeLog(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 40) int length,
      @ForAll @IntRange(min = 0, max = 150 * 86_400) int tail) {
    List<Activity> log = RandomLogs.generate(seed, 1, 3, length);
    Random random = new Random(seed ^ 0x16);
    String tenant = log.get(0).tenant();
    Instant anchor = log.get(0).at();
    BillingPeriods periods = new BillingPeriods(anchor);
    Instant now = log.get(log.size() - 1).at().plusSeconds(tail);
    int current = periods.indexAt(now);
    // The last renewed period r may be any up to the one holding now, so long as no activity falls
    // before its start... no: appends before a renewed start are refused, so r is at most the
    // period holding the last activity. The snapshot is of a renewed period s <= r.
    int lastActivityPeriod = periods.indexAt(log.get(log.size() - 1).at());
    int renewed = random.nextInt(lastActivityPeriod + 1);
    int snapshot = random.nextInt(renewed + 1);
    Instant point = snapshot == 0 ? anchor : periods.start(snapshot);

    // Every activity before the snapshot point is billed; a random prefix after it too.
    int before = 0;
    while (before < log.size() && log.get(before).at().isBefore(point)) {
      before++;
    }
    int billedUpTo = before + random.nextInt(log.size() - before + 1);
    Set<String> billed = new HashSet<>();
    for (int i = 0; i < billedUpTo; i++) {
      billed.add(log.get(i).id());
    }
    Map<String, RelayState> states = new HashMap<>();
    for (Activity a : log.subList(0, before)) {
      states.put(a.relay(), states.getOrDefault(a.relay(), RelayState.NONE).apply(a));
    }
    List<Activity> tailLog = log.subList(before, log.size());
    Set<String> tailBilled = new HashSet<>(billed);
    log.subList(0, before).forEach(a -> tailBilled.remove(a.id()));

    TenantLedger whole =
        new TenantLedger(tenant, java.util.Optional.of(anchor), renewed, log, billed);
    TenantLedger fromSnapshot =
        new TenantLedger(
            tenant,
            java.util.Optional.of(anchor),
            renewed,
            snapshot,
            snapshot == 0 ? List.of() : Ledger.snapshotOf(states),
            log.size(),
            snapshot == 0 ? log : tailLog,
            snapshot == 0 ? billed : tailBilled,
            whole.lastActivityAt(),
            whole.unclaimed(),
            whole.profile(),
            java.util.Optional.empty());

    List<Reconciliation> expected = rules.reconcile(whole);
    assertThat(rules.reconcile(fromSnapshot)).isEqualTo(expected);
    List<Renewal> renewals = rules.renewalsDue(whole, now);
    assertThat(rules.renewalsDue(fromSnapshot, now)).isEqualTo(renewals);
    assertThat(renewals).hasSize(Math.max(0, current - renewed));
  }
}
