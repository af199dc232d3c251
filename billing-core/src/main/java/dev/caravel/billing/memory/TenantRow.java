package dev.caravel.billing.memory;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Standing;
import dev.caravel.billing.spi.RelaySnapshot;
import dev.caravel.billing.spi.Tenant;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A tenant as {@link InMemoryRepository} keeps it; read and written only under the one lock. */
final class TenantRow {
  Tenant profile;
  Instant anchor;
  int renewedThrough;
  Instant renewedThroughStart;
  Instant lastAt;
  final List<Activity> activities = new ArrayList<>();
  final Map<String, Activity> activitiesById = new HashMap<>();
  final Set<String> billed = new HashSet<>();
  final List<String> itemIds = new ArrayList<>();

  /** The ids of {@link #itemIds} on no invoice yet, in the order written. */
  final Set<String> unclaimedItemIds = new LinkedHashSet<>();

  final List<String> invoiceIds = new ArrayList<>();
  Standing standing = Standing.GOOD;
  Instant standingCheckAt;

  /** Bumped by every write that may move the standing and by every recorded verdict. */
  long standingRevision;

  /** The renewed period the snapshot is as of (0: none), and where the log's tail begins. */
  int snapshotPeriod;

  int snapshotIndex;
  List<RelaySnapshot> snapshot = List.of();

  /** The next instant of work (null: none), and until when a poll has taken the tenant. */
  Instant dueAt;

  Instant takenUntil;
  String takenBy;
  String takenInCycle;

  TenantRow(String pubkey) {
    profile = Tenant.of(pubkey);
  }
}
