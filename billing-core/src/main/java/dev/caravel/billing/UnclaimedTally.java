package dev.caravel.billing;

import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.TenantLedger;
import dev.caravel.billing.spi.UnclaimedTotal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A poll page's unclaimed totals (S7), kept from the ledgers read when the page began plus the
 * items this page wrote since, so that the claim needs no second read of them.
 *
 * <p>Only correctness-neutral: {@link Repository#claim} records a claim only if the tenant's items
 * are still the ones given, so a wrong figure costs a visit, never a wrong invoice. A tenant whose
 * writes did not all apply (another instance billed part of it, or its log moved) is not guessed
 * at: its totals are read again before the claim.
 */
final class UnclaimedTally {
  private final Map<String, UnclaimedTotal> known = new HashMap<>();
  private final Set<String> unsure = new HashSet<>();

  UnclaimedTally(List<TenantLedger> ledgers) {
    for (TenantLedger l : ledgers) {
      known.put(l.tenant(), l.unclaimed());
    }
  }

  /** Items this page wrote after the read, every one of them applied. */
  void add(Collection<InvoiceItem> written) {
    for (InvoiceItem item : written) {
      UnclaimedTotal before = known.get(item.tenant());
      if (before != null) {
        known.put(
            item.tenant(),
            new UnclaimedTotal(
                item.tenant(),
                before.total().add(BigInteger.valueOf(item.amount())),
                before.count() + 1));
      }
    }
  }

  /** Tenants some of whose writes may not have applied: read again before claiming. */
  void unsure(Collection<String> tenants) {
    unsure.addAll(tenants);
  }

  /** The totals of {@code tenants}, in order: as kept, or read again where unsure. */
  List<UnclaimedTotal> totals(List<String> tenants, Repository repository) {
    List<String> toRead = new ArrayList<>();
    for (String tenant : tenants) {
      if (unsure.contains(tenant) || !known.containsKey(tenant)) {
        toRead.add(tenant);
      }
    }
    Map<String, UnclaimedTotal> read = new HashMap<>();
    if (!toRead.isEmpty()) {
      repository.unclaimedTotals(toRead).forEach(t -> read.put(t.tenant(), t));
    }
    List<UnclaimedTotal> out = new ArrayList<>();
    for (String tenant : tenants) {
      UnclaimedTotal total = read.containsKey(tenant) ? read.get(tenant) : known.get(tenant);
      out.add(total == null ? UnclaimedTotal.none(tenant) : total);
    }
    return out;
  }
}
