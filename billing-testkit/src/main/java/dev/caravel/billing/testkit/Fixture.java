package dev.caravel.billing.testkit;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.spi.ActivityWrite;
import dev.caravel.billing.spi.Anchoring;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.TenantLedger;
import dev.caravel.billing.spi.UnclaimedTotal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Valid values for repository tests: pubkeys, activities with fresh ids, the items, renewals and
 * claims the engine would hand a repository. Amounts are given, not computed: the contract is about
 * storage, not about proration.
 */
public final class Fixture {
  /** A fixed start of time (a 31st, to keep month ends interesting). */
  public static final Instant T0 = Instant.parse("2026-01-31T10:00:00Z");

  public static final String PLAN = "basic";

  private final AtomicLong ids = new AtomicLong();
  private final String prefix;

  public Fixture() {
    this("act");
  }

  /** A fixture whose activity ids start with {@code prefix}, so two fixtures never collide. */
  public Fixture(String prefix) {
    this.prefix = prefix;
  }

  /** A valid tenant pubkey (64 lowercase hex characters), distinct for each {@code n}. */
  public static String pubkey(long n) {
    return String.format("%064x", n);
  }

  public static Instant seconds(long s) {
    return T0.plusSeconds(s);
  }

  public static Instant days(long d) {
    return T0.plus(Duration.ofDays(d));
  }

  /**
   * Appends {@code activity} as the engine does once it has admitted it: from the tenant's log as
   * read now, so the compare-and-set holds. True when appended, false when the id is taken (by this
   * very activity or another: the caller compares); it judges nothing, so a test can write what the
   * engine would refuse (a storage test of what it records, or bad data). A log that moved between
   * the read and the append (another writer won a race) is read again, as the engine does; one that
   * moves under every one of 100 reads is a broken storage.
   */
  public static boolean appendAsRead(Repository repository, Activity activity) {
    for (int attempt = 0; attempt < 100; attempt++) {
      Optional<TenantLedger> read =
          repository.ledgers(List.of(activity.tenant())).stream().findFirst();
      // A tenant without a trial: anchored at its first activity (S1).
      ActivityWrite written =
          repository.appendActivity(activity, read, Anchoring.at(activity.at()));
      if (!(written instanceof ActivityWrite.LogMoved)) {
        return written instanceof ActivityWrite.Appended;
      }
    }
    throw new IllegalStateException("the log of " + activity.tenant() + " moved under every read");
  }

  public String nextId() {
    return prefix + "-" + ids.incrementAndGet();
  }

  public Activity create(String tenant, String relay, Instant at) {
    return Activity.create(nextId(), tenant, relay, PLAN, at);
  }

  public Activity update(String tenant, String relay, String plan, Instant at) {
    return Activity.update(nextId(), tenant, relay, plan, at);
  }

  public Activity activate(String tenant, String relay, Instant at) {
    return Activity.activate(nextId(), tenant, relay, at);
  }

  public Activity deactivate(String tenant, String relay, Instant at) {
    return Activity.deactivate(nextId(), tenant, relay, at);
  }

  /** The item {@code activity} yields: a charge when {@code amount > 0}, a credit below. */
  public static InvoiceItem item(Activity activity, long amount) {
    return InvoiceItem.forActivity(
        activity,
        activity.plan().orElse(PLAN),
        amount,
        amount > 0 ? "New relay created" : "Relay deactivated (prorated credit)");
  }

  /** Reconciles {@code activity} into an item of {@code amount}, or into no item when zero. */
  public static Reconciliation reconciled(Activity activity, long amount) {
    return new Reconciliation(
        activity.tenant(),
        activity.id(),
        amount == 0 ? Optional.empty() : Optional.of(item(activity, amount)));
  }

  /** Renews each of {@code relays} for {@code period} at {@code amount} each. */
  public static Renewal renewal(
      String tenant, int period, Instant start, int logSize, long amount, String... relays) {
    List<InvoiceItem> items = new ArrayList<>();
    for (String relay : relays) {
      items.add(InvoiceItem.forRenewal(tenant, relay, PLAN, amount, period, start));
    }
    return new Renewal(tenant, period, start, logSize, items);
  }

  /** A claim, and the id its invoice should get if one is made. */
  public record Claiming(Claim claim, String invoiceId) {}

  /**
   * The claim the engine makes of {@code tenant} at {@code now} (S7), from its unclaimed items as
   * {@code repository} reads them now: an invoice for a 30-day period when they sum above zero.
   * Named {@code invoiceId} if one is made.
   */
  public static Claiming claim(
      Repository repository, String tenant, String invoiceId, Instant now) {
    UnclaimedTotal read =
        repository.unclaimedTotals(List.of(tenant)).stream()
            .findFirst()
            .orElse(UnclaimedTotal.none(tenant));
    return new Claiming(
        new Claim(
            tenant,
            now,
            now.plus(Duration.ofDays(30)),
            "usd",
            now,
            read,
            read.total().signum() > 0),
        invoiceId);
  }

  public static Bolt11Request bolt11(String invoiceId, String bolt11, Instant createdAt) {
    return new Bolt11Request(
        invoiceId,
        bolt11,
        "hash-" + bolt11,
        21_000,
        createdAt,
        createdAt.plusSeconds(3600),
        Optional.empty());
  }

  public static Payment payment(String reference, Instant at) {
    return new Payment(PaymentMethod.STRIPE, reference, at);
  }
}
