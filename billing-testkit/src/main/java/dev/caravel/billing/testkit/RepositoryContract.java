package dev.caravel.billing.testkit;

import static dev.caravel.billing.testkit.Fixture.T0;
import static dev.caravel.billing.testkit.Fixture.bolt11;
import static dev.caravel.billing.testkit.Fixture.days;
import static dev.caravel.billing.testkit.Fixture.payment;
import static dev.caravel.billing.testkit.Fixture.pubkey;
import static dev.caravel.billing.testkit.Fixture.reconciled;
import static dev.caravel.billing.testkit.Fixture.renewal;
import static dev.caravel.billing.testkit.Fixture.seconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.ActivityRejectedException;
import dev.caravel.billing.ActivityRejectedException.Reason;
import dev.caravel.billing.Billing;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.PlanCatalogue.ChangeRejectedException;
import dev.caravel.billing.PlanCatalogue.Version;
import dev.caravel.billing.Standing;
import dev.caravel.billing.spi.ActivityWrite;
import dev.caravel.billing.spi.Anchoring;
import dev.caravel.billing.spi.CollectionChange;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentEvents;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.RelaySnapshot;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.RoundEnded;
import dev.caravel.billing.spi.StandingRead;
import dev.caravel.billing.spi.StandingVerdict;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link Repository} must do, as tests. An implementation's test extends this class and
 * says how to make a fresh, empty repository; every duty in {@link Repository}'s javadoc is pinned
 * down here, including the concurrent ones: {@value #THREADS} threads racing on one tenant must see
 * exactly-once outcomes. The coupon cases (S21) are {@link CouponContract}'s.
 */
public abstract class RepositoryContract implements CouponContract {
  protected static final int THREADS = 16;
  private static final Duration TTL = Duration.ofMinutes(5);

  protected final Fixture fx = new Fixture();
  protected final String alice = pubkey(0xa11ce);
  protected final String bob = pubkey(0xb0b);
  protected Repository repo;

  /** A fresh, empty repository; called before every test. */
  protected abstract Repository newRepository();

  /** The repository of the running test, for the coupon cases ({@link CouponContract}). */
  @Override
  public Repository couponRepository() {
    return repo;
  }

  /** Releases what {@link #newRepository()} made (a pool, a database); called after every test. */
  protected void closeRepository(Repository repository) {}

  @BeforeEach
  void openRepository() {
    repo = newRepository();
  }

  @AfterEach
  void releaseRepository() {
    closeRepository(repo);
  }

  // ---- helpers ----

  /** The append of a tenant without a trial, from {@code read}: anchored at the activity. */
  private ActivityWrite appendFrom(Activity activity, Optional<TenantLedger> read) {
    return repo.appendActivity(activity, read, Anchoring.at(activity.at()));
  }

  private Activity append(Activity activity) {
    assertThat(Fixture.appendAsRead(repo, activity)).as("append " + activity.id()).isTrue();
    return activity;
  }

  private Billing engine;
  private Billing changer;

  /**
   * An engine over this storage, for the tests of what the engine judges from the storage's reads:
   * an activity's place in its log (its order, the periods renewed, its relays) is core's rule, and
   * it holds only if the storage reads back what it recorded (the latest instant, the anchor, the
   * renewed period, the relays in the snapshot and in the tail) and compares what it was given. Its
   * clock is ten years after {@link Fixture#T0}, so no activity of these tests is in the future.
   */
  private Billing engine() {
    if (engine == null) {
      engine = engineAt(days(3650));
    }
    return engine;
  }

  /**
   * An engine at {@link Fixture#T0}, for the catalogue's history: a change must take effect after
   * now, and whether it reprices the ledger is judged from {@link Repository#billedThrough}.
   */
  private Billing changer() {
    if (changer == null) {
      changer = engineAt(T0);
    }
    return changer;
  }

  private Billing engineAt(Instant now) {
    return Billing.builder()
        .repository(repo)
        .catalogue(SEED)
        .clock(Clock.fixed(now, ZoneOffset.UTC))
        .appUrl("https://relays.example")
        .instanceId("contract-kit")
        .build();
  }

  /** Adds {@code version} from a fresh read, as the engine does once it judged it. */
  private boolean addVersion(Version version) {
    return repo.addPlanVersion(
        version, repo.catalogueVersion().orElseThrow(), repo.billedThrough());
  }

  private TenantLedger ledger(String tenant) {
    List<TenantLedger> ledgers = repo.ledgers(List.of(tenant));
    assertThat(ledgers).hasSize(1);
    return ledgers.get(0);
  }

  private void assertRejected(Activity activity, Reason reason) {
    assertThatThrownBy(() -> engine().record(activity))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  /** A relay created at {@code at} and reconciled into a charge of {@code amount}. */
  private Activity charged(String tenant, String relay, Instant at, long amount) {
    Activity a = append(fx.create(tenant, relay, at));
    assertThat(repo.recordReconciliations(List.of(reconciled(a, amount)), OptionalLong.empty()))
        .isEqualTo(1);
    return a;
  }

  /**
   * An unpaid invoice of {@code amount} for a new relay of {@code tenant}, created at {@code at}.
   */
  private Invoice invoice(String tenant, String invoiceId, long amount, Instant at) {
    charged(tenant, "relay-" + invoiceId, at, amount);
    List<Invoice> created = claimAll(List.of(claim(tenant, invoiceId, at)));
    assertThat(created).hasSize(1);
    return created.get(0);
  }

  /** The engine's claim of {@code tenant} from its unclaimed items as read now (S7). */
  private Fixture.Claiming claim(String tenant, String invoiceId, Instant now) {
    return Fixture.claim(repo, tenant, invoiceId, now);
  }

  /** Claims each one, naming its invoice (if one is made) with the id it carries. */
  private List<Invoice> claimAll(List<Fixture.Claiming> claimings) {
    java.util.Map<dev.caravel.billing.spi.Claim, String> ids = new java.util.IdentityHashMap<>();
    claimings.forEach(c -> ids.put(c.claim(), c.invoiceId()));
    List<String> drawn = Collections.synchronizedList(new ArrayList<>());
    List<Invoice> created =
        repo.claim(
            claimings.stream().map(Fixture.Claiming::claim).toList(),
            (number, claim) -> {
              String id = ids.get(claim);
              drawn.add(id);
              return id;
            });
    // Ids are drawn for the invoices made and for nothing else.
    assertThat(created).extracting(Invoice::id).containsExactlyElementsOf(drawn);
    return created;
  }

  private static long sum(List<InvoiceItem> items) {
    return items.stream().mapToLong(InvoiceItem::amount).sum();
  }

  // ---- tenants ----

  @Test
  void savedTenantIsFoundAndReplaced() {
    assertThat(repo.findTenant(alice)).isEmpty();
    Tenant saved = Tenant.of(alice).withSealedNwcUri("sealed:abc").withStripeCustomer("cus_1");
    repo.saveTenant(saved);
    assertThat(repo.findTenant(alice)).contains(saved);

    Tenant replaced = Tenant.of(alice).withStripeCustomer("cus_2");
    repo.saveTenant(replaced);
    assertThat(repo.findTenant(alice)).contains(replaced);
    assertThat(repo.tenantPage(null, 10)).containsExactly(alice);
  }

  @Test
  void aLedgerReadCarriesHowItsTenantPaysWhateverTheLengthOfItsTail() {
    Tenant alicesDetails =
        Tenant.of(alice).withSealedNwcUri("sealed:alice").withStripeCustomer("cus_alice");
    repo.saveTenant(alicesDetails);
    append(fx.create(alice, "r1", T0));
    append(fx.create(alice, "r2", seconds(10)));
    append(fx.create(alice, "r3", seconds(20)));
    Tenant bobsDetails = Tenant.of(bob).withStripeCustomer("cus_bob");
    repo.saveTenant(bobsDetails); // no activity: a ledger without a tail
    assertThat(repo.ledgers(List.of(bob, alice)))
        .extracting(TenantLedger::profile)
        .containsExactly(bobsDetails, alicesDetails);
  }

  @Test
  void savingATenantLeavesItsBillingStateAlone() {
    Activity a = append(fx.create(alice, "r1", T0));
    repo.applyRenewals(List.of(renewal(alice, 1, days(31), 1, 500, "r1")), OptionalLong.empty());
    TenantLedger before = ledger(alice);

    repo.saveTenant(Tenant.of(alice).withSealedNwcUri("sealed:xyz"));

    TenantLedger after = ledger(alice);
    assertThat(after.profile())
        .as("the ledger carries the details as saved: how the tenant pays is read with it")
        .isEqualTo(Tenant.of(alice).withSealedNwcUri("sealed:xyz"));
    assertThat(after)
        .as("the billing state is untouched")
        .usingRecursiveComparison()
        .ignoringFields("profile")
        .isEqualTo(before);
    assertThat(before.anchor()).contains(T0);
    assertThat(before.renewedThrough()).isEqualTo(1);
    assertThat(before.activities()).containsExactly(a);
  }

  @Test
  void aTenantsTaxIsSavedWithItAndCleared() {
    TaxSetting vat = new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE);
    Tenant taxed = Tenant.of(alice).withStripeCustomer("cus_1").withTax(Optional.of(vat));
    repo.saveTenant(taxed);
    assertThat(repo.findTenant(alice)).contains(taxed);
    Tenant included =
        taxed.withTax(Optional.of(new TaxSetting(0, "GST", TaxSetting.Mode.INCLUSIVE)));
    repo.saveTenant(included);
    assertThat(repo.findTenant(alice)).contains(included);
    repo.saveTenant(taxed.withTax(Optional.empty()));
    assertThat(repo.findTenant(alice).orElseThrow().tax()).isEmpty();
  }

  /**
   * S24: the storage records the tax line the engine computed with the invoice, total included, and
   * reads it back unchanged, paid or closed; it never computes one.
   */
  @Test
  void aClaimsTaxLineIsRecordedWithItsInvoiceAndKeptWhenPaidOrClosed() {
    TaxSetting vat = new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE);
    TaxSetting gst = new TaxSetting(1_000, "GST", TaxSetting.Mode.INCLUSIVE);
    charged(alice, "r1", T0, 999);
    charged(bob, "r2", T0, 1_100);
    List<Invoice> created =
        claimAll(
            List.of(taxed(claim(alice, "inv-a", T0), vat), taxed(claim(bob, "inv-b", T0), gst)));
    Invoice a = created.get(0);
    Invoice b = created.get(1);
    assertThat(a.total()).isEqualTo(1_199);
    assertThat(a.net()).isEqualTo(999);
    assertThat(a.tax()).contains(new Invoice.Tax(vat, 200));
    assertThat(b.total()).isEqualTo(1_100);
    assertThat(b.tax()).contains(new Invoice.Tax(gst, 100));
    assertThat(repo.findInvoice("inv-a")).contains(a);
    assertThat(repo.invoices(bob)).containsExactly(b);
    assertThat(sum(repo.invoiceItems("inv-a"))).as("the items sum to the net").isEqualTo(999);

    assertThat(markPaid("inv-a", payment("pi_a", seconds(5)))).isEqualTo(PaymentRecord.PAID);
    assertThat(closeAsRead("inv-b", voided(seconds(5)))).isTrue();
    assertThat(repo.findInvoice("inv-a").orElseThrow().tax()).contains(new Invoice.Tax(vat, 200));
    assertThat(repo.findInvoice("inv-b").orElseThrow().tax()).contains(new Invoice.Tax(gst, 100));
  }

  /** The claim the engine makes when the tenant is taxed by {@code tax}. */
  private static Fixture.Claiming taxed(Fixture.Claiming claiming, TaxSetting tax) {
    dev.caravel.billing.spi.Claim c = claiming.claim();
    return decided(claiming, Optional.of(tax.on(c.net())), c.carriedBelow());
  }

  /** {@code claiming} with the engine's tax line and carry decided otherwise (S24, S25). */
  private static Fixture.Claiming decided(
      Fixture.Claiming claiming, Optional<Invoice.Tax> tax, java.util.OptionalLong carriedBelow) {
    dev.caravel.billing.spi.Claim c = claiming.claim();
    return new Fixture.Claiming(
        new dev.caravel.billing.spi.Claim(
            c.tenant(),
            c.periodStart(),
            c.periodEnd(),
            c.currency(),
            c.createdAt(),
            c.read(),
            c.invoice(),
            tax,
            c.discount(),
            carriedBelow),
        claiming.invoiceId());
  }

  /**
   * S25: a claim the engine carries is recorded whole in its transaction: the invoice closed as
   * carried and never due, the carried item unclaimed for the next claim (never on the invoice it
   * comes from), and INVOICE_CARRIED in place of INVOICE_CREATED. The next claim takes the carried
   * item with the new ones, once.
   */
  @Test
  void aCarriedClaimClosesItsInvoiceAndLeavesOneUnclaimedItemForTheNext() {
    charged(alice, "r1", T0, 30);
    charged(bob, "r2", T0, 700);
    List<Invoice> created =
        claimAll(List.of(carried(claim(alice, "inv-a", T0), 50), claim(bob, "inv-b", T0)));
    Invoice a = created.get(0);
    assertThat(a.status()).isEqualTo(Invoice.Status.CARRIED);
    assertThat(a.total()).isEqualTo(30);
    assertThat(a.closure().orElseThrow().at()).isEqualTo(T0);
    assertThat(repo.findInvoice("inv-a")).contains(a);
    assertThat(created.get(1).isOpen()).isTrue();
    assertThat(sum(repo.invoiceItems("inv-a"))).isEqualTo(30);
    InvoiceItem carriedItem = InvoiceItem.forCarried("inv-a", alice, 30, T0);
    assertThat(repo.unclaimedItems(alice)).containsExactly(carriedItem);
    assertThat(eventTypes())
        .containsExactly(
            dev.caravel.billing.BillingEvent.Type.INVOICE_CARRIED,
            dev.caravel.billing.BillingEvent.Type.INVOICE_CREATED);
    assertThat(allEvents().get(0).amount()).isEqualTo(30);
    assertThat(repo.dueInvoices(days(60), 10))
        .as("a carried invoice is never collected")
        .containsExactly("inv-b");

    charged(alice, "r3", days(31), 500);
    Invoice next = claimAll(List.of(claim(alice, "inv-a2", days(31)))).get(0);
    assertThat(next.total()).as("the carried 30 and the new 500").isEqualTo(530);
    assertThat(repo.invoiceItems("inv-a2")).contains(carriedItem.onInvoice("inv-a2"));
    assertThat(repo.unclaimedItems(alice)).isEmpty();
  }

  /** The claim the engine makes when the invoice falls below the card minimum {@code minimum}. */
  private static Fixture.Claiming carried(Fixture.Claiming claiming, long minimum) {
    return decided(claiming, claiming.claim().tax(), java.util.OptionalLong.of(minimum));
  }

  @Test
  void appendingForAnUnknownTenantCreatesIt() {
    append(fx.create(alice, "r1", T0));
    assertThat(repo.findTenant(alice)).contains(Tenant.of(alice));
    assertThat(repo.tenantPage(null, 10)).containsExactly(alice);
  }

  @Test
  void tenantPagesWalkEveryTenantInAscendingOrder() {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      String tenant = pubkey(1000 + (i * 7919L) % 97);
      all.add(tenant);
      if (i % 2 == 0) {
        repo.saveTenant(Tenant.of(tenant));
      } else {
        append(fx.create(tenant, "r", T0));
      }
    }
    Collections.sort(all);

    List<String> walked = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    String after = null;
    while (true) {
      List<String> page = repo.tenantPage(after, 10);
      if (page.isEmpty()) {
        break;
      }
      sizes.add(page.size());
      walked.addAll(page);
      after = page.get(page.size() - 1);
    }
    assertThat(walked).isEqualTo(all);
    assertThat(sizes).containsExactly(10, 10, 5);
    assertThat(repo.tenantPage(all.get(24), 10)).isEmpty();
    assertThat(repo.tenantPage(all.get(3), 2)).containsExactly(all.get(4), all.get(5));
  }

  // ---- appending activity ----

  @Test
  void appendIsIdempotentOnTheActivityId() {
    Activity a = append(fx.create(alice, "r1", T0));
    TenantLedger before = ledger(alice);

    assertThat(engine().record(a)).isFalse();
    assertThat(
            engine()
                .record(new Activity(a.id(), a.tenant(), a.type(), a.relay(), a.plan(), a.at())))
        .isFalse();
    assertThat(Fixture.appendAsRead(repo, a)).as("the id is taken").isFalse();

    assertThat(ledger(alice).activities()).isEqualTo(before.activities());
    assertThat(before.activities()).containsExactly(a);
  }

  @Test
  void identicalAppendIsAcceptedEvenWhenItWouldNowBeOutOfOrder() {
    Activity first = append(fx.create(alice, "r1", T0));
    append(fx.deactivate(alice, "r1", seconds(60)));
    assertThat(engine().record(first)).isFalse();
    assertThat(ledger(alice).activities()).hasSize(2);
  }

  @Test
  void sameIdWithOtherContentIsAConflict() {
    Activity a = append(fx.create(alice, "r1", T0));
    TenantLedger before = ledger(alice);

    assertRejected(Activity.create(a.id(), alice, "r2", "basic", T0), Reason.CONFLICTING_ID);
    assertRejected(Activity.create(a.id(), alice, "r1", "pro", T0), Reason.CONFLICTING_ID);
    assertRejected(
        Activity.create(a.id(), alice, "r1", "basic", seconds(1)), Reason.CONFLICTING_ID);
    assertRejected(Activity.update(a.id(), alice, "r1", "basic", T0), Reason.CONFLICTING_ID);

    assertThat(ledger(alice)).isEqualTo(before);
  }

  @Test
  void anActivityIdIsTheHostsAndUniqueAcrossTenants() {
    // Its item's id is derived from the activity id alone ("act:<id>"), so two tenants can't share
    // one.
    Activity a = append(fx.create(alice, "r1", T0));
    assertThatThrownBy(() -> engine().record(Activity.create(a.id(), bob, "r1", "basic", T0)))
        .as("activity id %s reused by another tenant must be CONFLICTING_ID", a.id())
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CONFLICTING_ID));
    assertThat(repo.findTenant(bob)).isEmpty();
    assertThat(repo.ledgers(List.of(bob))).isEmpty();
  }

  @Test
  void activityBeforeTheLatestIsOutOfOrder() {
    append(fx.create(alice, "r1", seconds(100)));
    TenantLedger before = ledger(alice);

    assertRejected(fx.create(alice, "r2", seconds(99)), Reason.OUT_OF_ORDER);
    assertRejected(fx.deactivate(alice, "r1", seconds(0)), Reason.OUT_OF_ORDER);
    assertThat(ledger(alice)).isEqualTo(before);

    append(fx.create(alice, "r2", seconds(100)));
    append(fx.deactivate(alice, "r1", seconds(101)));
    assertThat(ledger(alice).activities()).hasSize(3);
  }

  @Test
  void outOfOrderIsPerTenant() {
    append(fx.create(alice, "r1", seconds(100)));
    append(fx.create(bob, "r1", seconds(5)));
    assertThat(ledger(bob).anchor()).contains(seconds(5));
  }

  @Test
  void activityInsideARenewedPeriodIsRejected() {
    Activity a = append(fx.create(alice, "r1", T0));
    Instant p1 = Instant.parse("2026-02-28T10:00:00Z");
    assertThat(
            repo.applyRenewals(List.of(renewal(alice, 1, p1, 1, 500, "r1")), OptionalLong.empty()))
        .isEqualTo(1);
    TenantLedger before = ledger(alice);

    assertRejected(fx.deactivate(alice, "r1", p1.minusSeconds(1)), Reason.PERIOD_ALREADY_BILLED);
    assertRejected(fx.create(alice, "r2", seconds(1)), Reason.PERIOD_ALREADY_BILLED);
    assertThat(ledger(alice)).isEqualTo(before);

    Activity atStart = append(fx.deactivate(alice, "r1", p1));
    assertThat(ledger(alice).activities()).containsExactly(a, atStart);
  }

  @Test
  void creatingARelayTwiceIsRejected() {
    append(fx.create(alice, "r1", T0));
    append(fx.deactivate(alice, "r1", seconds(1)));
    TenantLedger before = ledger(alice);

    assertRejected(fx.create(alice, "r1", seconds(2)), Reason.RELAY_EXISTS);
    assertThat(ledger(alice)).isEqualTo(before);
  }

  @Test
  void relaysBelongToTheirTenant() {
    append(fx.create(alice, "r1", T0));
    append(fx.create(bob, "r1", T0));
    append(fx.create(bob, "r2", T0));
    assertRejected(fx.activate(alice, "r2", seconds(1)), Reason.UNKNOWN_RELAY);
  }

  @Test
  void everyOtherTypeNeedsACreatedRelay() {
    append(fx.create(alice, "r1", T0));
    TenantLedger before = ledger(alice);

    assertRejected(fx.update(alice, "nope", "pro", seconds(1)), Reason.UNKNOWN_RELAY);
    assertRejected(fx.update(alice, "nope", null, seconds(1)), Reason.UNKNOWN_RELAY);
    assertRejected(fx.activate(alice, "nope", seconds(1)), Reason.UNKNOWN_RELAY);
    assertRejected(fx.deactivate(alice, "nope", seconds(1)), Reason.UNKNOWN_RELAY);
    assertThat(ledger(alice)).isEqualTo(before);

    append(fx.update(alice, "r1", "pro", seconds(1)));
    append(fx.deactivate(alice, "r1", seconds(2)));
    append(fx.activate(alice, "r1", seconds(3)));
  }

  @Test
  void aRejectedFirstActivityLeavesNoTenantBehind() {
    assertRejected(fx.deactivate(alice, "r1", T0), Reason.UNKNOWN_RELAY);
    assertThat(repo.findTenant(alice)).isEmpty();
    assertThat(repo.tenantPage(null, 10)).isEmpty();
    assertThat(repo.ledgers(List.of(alice))).isEmpty();

    // and the tenant's anchor comes from its first *recorded* activity
    append(fx.create(alice, "r1", seconds(50)));
    assertThat(ledger(alice).anchor()).contains(seconds(50));
  }

  @Test
  void aRejectedCreateRecordsNoRelay() {
    append(fx.create(alice, "r1", seconds(10)));
    assertRejected(fx.create(alice, "r2", seconds(5)), Reason.OUT_OF_ORDER);
    assertRejected(fx.deactivate(alice, "r2", seconds(11)), Reason.UNKNOWN_RELAY);
    append(fx.create(alice, "r2", seconds(11)));
  }

  @Test
  void aRejectedActivityIdStaysFree() {
    append(fx.create(alice, "r1", seconds(10)));
    Activity late = Activity.create("reused", alice, "r2", "basic", seconds(5));
    assertRejected(late, Reason.OUT_OF_ORDER);
    assertThat(engine().record(Activity.create("reused", alice, "r2", "basic", seconds(10))))
        .isTrue();
  }

  // ---- appending: what the storage itself guarantees (a compare-and-set on the log read) ----

  private Optional<TenantLedger> read(String tenant) {
    return repo.ledgers(List.of(tenant)).stream().findFirst();
  }

  @Test
  void anAppendFromAReadTheLogMovedPastIsNotRecorded() {
    Optional<TenantLedger> none = read(alice);
    Activity first = append(fx.create(alice, "r1", T0));
    assertThat(appendFrom(fx.create(alice, "r2", seconds(1)), none))
        .as("the tenant was created after the read")
        .isInstanceOf(ActivityWrite.LogMoved.class);
    Optional<TenantLedger> one = read(alice);
    append(fx.create(alice, "r2", seconds(2)));
    assertThat(appendFrom(fx.create(alice, "r3", seconds(3)), one))
        .as("an activity was appended after the read")
        .isInstanceOf(ActivityWrite.LogMoved.class);
    assertThat(ledger(alice).activities()).hasSize(2).startsWith(first);
  }

  @Test
  void anAppendFromAReadBeforeTheAnchorWasSetIsNotRecorded() {
    repo.saveTenant(Tenant.of(alice));
    Optional<TenantLedger> unanchored = read(alice);
    assertThat(unanchored).hasValueSatisfying(l -> assertThat(l.anchor()).isEmpty());
    assertThat(adjust(InvoiceItem.forAdjustment(alice, 700, "setup", "k1", seconds(50)), true))
        .isTrue();
    assertThat(appendFrom(fx.create(alice, "r1", seconds(10)), unanchored))
        .isInstanceOf(ActivityWrite.LogMoved.class);
    assertThat(ledger(alice).activities()).isEmpty();
    assertThat(ledger(alice).anchor()).contains(seconds(50));
  }

  @Test
  void anAppendFromAReadBeforeARenewalIsNotRecorded() {
    append(fx.create(alice, "r1", T0));
    Optional<TenantLedger> beforeRenewal = read(alice);
    Instant p1 = Instant.parse("2026-02-28T10:00:00Z");
    assertThat(
            repo.applyRenewals(List.of(renewal(alice, 1, p1, 1, 500, "r1")), OptionalLong.empty()))
        .isEqualTo(1);
    assertThat(appendFrom(fx.deactivate(alice, "r1", p1.minusSeconds(1)), beforeRenewal))
        .isInstanceOf(ActivityWrite.LogMoved.class);
    assertThat(ledger(alice).activities()).hasSize(1);
  }

  @Test
  void aTakenIdIsAnsweredWithTheStoredActivityWhateverItsTenant() {
    Activity a = append(fx.create(alice, "r1", T0));
    Activity other = Activity.create(a.id(), bob, "r9", "pro", seconds(5));
    assertThat(appendFrom(other, read(bob))).isEqualTo(new ActivityWrite.IdTaken(a));
    assertThat(repo.findActivity(a.id())).contains(a);
    assertThat(repo.findActivity("never")).isEmpty();
    assertThat(repo.findTenant(bob)).isEmpty();
  }

  @Test
  void theLogReadsBackItsLatestInstantAnchorAndCount() {
    append(fx.create(alice, "r1", seconds(30)));
    append(fx.create(alice, "r2", seconds(30)));
    append(fx.deactivate(alice, "r1", seconds(90)));
    TenantLedger log = ledger(alice);
    assertThat(log.lastActivityAt()).contains(seconds(90));
    assertThat(log.anchor()).contains(seconds(30));
    assertThat(log.activityCount()).isEqualTo(3);
    repo.saveTenant(Tenant.of(bob));
    assertThat(ledger(bob).lastActivityAt()).isEmpty();
  }

  @Test
  @Timeout(180)
  void racingAppendsFromOneReadAppendOne() {
    append(fx.create(alice, "r0", T0));
    Optional<TenantLedger> shared = read(alice);
    List<Activity> activities =
        IntStream.range(0, THREADS).mapToObj(i -> fx.create(alice, "r" + (i + 1), T0)).toList();
    List<ActivityWrite> writes = Race.all(THREADS, i -> appendFrom(activities.get(i), shared));
    assertThat(writes).filteredOn(w -> w instanceof ActivityWrite.Appended).hasSize(1);
    assertThat(writes)
        .filteredOn(w -> !(w instanceof ActivityWrite.Appended))
        .allSatisfy(w -> assertThat(w).isInstanceOf(ActivityWrite.LogMoved.class));
    assertThat(ledger(alice).activityCount()).isEqualTo(2);
  }

  @Test
  void theAnchorIsTheFirstActivityAndNeverMoves() {
    append(fx.create(alice, "r1", seconds(30)));
    assertThat(ledger(alice).anchor()).contains(seconds(30));
    append(fx.create(alice, "r2", days(5)));
    append(fx.deactivate(alice, "r1", days(40)));
    repo.applyRenewals(List.of(renewal(alice, 1, days(31), 3, 100, "r2")), OptionalLong.empty());
    assertThat(ledger(alice).anchor()).contains(seconds(30));

    repo.saveTenant(Tenant.of(bob));
    assertThat(ledger(bob).anchor()).isEmpty();
    assertThat(ledger(bob).activities()).isEmpty();
    append(fx.create(bob, "r1", days(3)));
    assertThat(ledger(bob).anchor()).contains(days(3));
  }

  @Test
  void activitiesAreOrderedByTimeThenAppendOrder() {
    Activity a = append(fx.create(alice, "r1", T0));
    Activity b = append(fx.create(alice, "r2", T0));
    Activity c = append(fx.update(alice, "r1", "pro", T0));
    Activity d = append(fx.deactivate(alice, "r2", T0));
    Activity e = append(fx.activate(alice, "r2", seconds(1)));
    Activity f = append(fx.deactivate(alice, "r1", seconds(1)));
    // ids that sort the other way round must not reorder anything
    Activity g = append(Activity.update("0-first-by-name", alice, "r1", null, seconds(1)));

    assertThat(ledger(alice).activities()).containsExactly(a, b, c, d, e, f, g);
  }

  @Test
  void ledgersComeInTheOrderAskedAndSkipUnknownTenants() {
    append(fx.create(alice, "r1", T0));
    append(fx.create(bob, "r1", seconds(5)));
    String nobody = pubkey(0xdead);

    List<TenantLedger> ledgers = repo.ledgers(List.of(bob, nobody, alice));
    assertThat(ledgers).extracting(TenantLedger::tenant).containsExactly(bob, alice);
    assertThat(ledgers.get(0).anchor()).contains(seconds(5));
    assertThat(ledgers.get(0).renewedThrough()).isZero();
    assertThat(ledgers.get(0).billedActivityIds()).isEmpty();
    assertThat(repo.ledgers(List.of())).isEmpty();
  }

  // ---- reconciliation ----

  @Test
  void reconcilingInsertsTheItemAndMarksTheActivityBilled() {
    Activity a = append(fx.create(alice, "r1", T0));
    Activity b = append(fx.update(alice, "r1", null, seconds(1)));

    assertThat(
            repo.recordReconciliations(
                List.of(reconciled(a, 1000), reconciled(b, 0)), OptionalLong.empty()))
        .isEqualTo(2);

    assertThat(ledger(alice).billedActivityIds()).containsExactlyInAnyOrder(a.id(), b.id());
    assertThat(repo.items(alice)).containsExactly(Fixture.item(a, 1000));
    assertThat(repo.unclaimedItems(alice)).containsExactly(Fixture.item(a, 1000));
    assertThat(repo.items(alice).get(0).id()).isEqualTo("act:" + a.id());
  }

  @Test
  void anActivityIsReconciledOnce() {
    Activity a = append(fx.create(alice, "r1", T0));
    Activity b = append(fx.deactivate(alice, "r1", seconds(10)));

    assertThat(repo.recordReconciliations(List.of(reconciled(a, 1000)), OptionalLong.empty()))
        .isEqualTo(1);
    assertThat(repo.recordReconciliations(List.of(reconciled(a, 1000)), OptionalLong.empty()))
        .isZero();
    // a second reconciliation that disagrees changes nothing either
    assertThat(
            repo.recordReconciliations(
                List.of(reconciled(a, 7), reconciled(b, -400), reconciled(b, -400)),
                OptionalLong.empty()))
        .isEqualTo(1);

    assertThat(repo.items(alice)).extracting(InvoiceItem::amount).containsExactly(1000L, -400L);
  }

  @Test
  void aBilledActivityWithoutAnItemStaysBilled() {
    Activity a = append(fx.create(alice, "r1", T0));
    assertThat(repo.recordReconciliations(List.of(reconciled(a, 0)), OptionalLong.empty()))
        .isEqualTo(1);
    assertThat(repo.recordReconciliations(List.of(reconciled(a, 500)), OptionalLong.empty()))
        .isZero();
    assertThat(repo.items(alice)).isEmpty();
  }

  @Test
  void reconcilingAnotherTenantsActivityIsRefused() {
    Activity a = append(fx.create(alice, "r1", T0));
    append(fx.create(bob, "r1", T0));
    Reconciliation wrong = new Reconciliation(bob, a.id(), Optional.empty());
    assertThatThrownBy(() -> repo.recordReconciliations(List.of(wrong), OptionalLong.empty()))
        .isInstanceOf(InvalidInputException.class);
    assertThat(ledger(alice).billedActivityIds()).isEmpty();
    assertThat(ledger(bob).billedActivityIds()).isEmpty();
  }

  @Test
  void reconciliationsOfManyTenantsGoInOneBatch() {
    List<Reconciliation> batch = new ArrayList<>();
    for (int t = 0; t < 30; t++) {
      String tenant = pubkey(5000 + t);
      for (int r = 0; r < 4; r++) {
        batch.add(reconciled(append(fx.create(tenant, "r" + r, seconds(r))), 100 + r));
      }
    }
    Collections.shuffle(batch, new Random(7));
    assertThat(repo.recordReconciliations(batch, OptionalLong.empty())).isEqualTo(120);
    for (int t = 0; t < 30; t++) {
      assertThat(sum(repo.items(pubkey(5000 + t)))).isEqualTo(406);
    }
  }

  // ---- renewals ----

  @Test
  void aRenewalInsertsItsItemsAndMovesTheMark() {
    append(fx.create(alice, "r1", T0));
    append(fx.create(alice, "r2", T0));
    Renewal r1 = renewal(alice, 1, days(28), 2, 500, "r1", "r2");

    assertThat(repo.applyRenewals(List.of(r1), OptionalLong.empty())).isEqualTo(1);

    assertThat(ledger(alice).renewedThrough()).isEqualTo(1);
    assertThat(repo.items(alice)).containsExactlyElementsOf(r1.items());
    assertThat(repo.items(alice))
        .extracting(InvoiceItem::id)
        .containsExactly("ren:" + alice + ":1:r1", "ren:" + alice + ":1:r2");
  }

  @Test
  void aPeriodIsRenewedOnce() {
    append(fx.create(alice, "r1", T0));
    Renewal r1 = renewal(alice, 1, days(28), 1, 500, "r1");
    assertThat(repo.applyRenewals(List.of(r1), OptionalLong.empty())).isEqualTo(1);
    assertThat(repo.applyRenewals(List.of(r1), OptionalLong.empty())).isZero();
    assertThat(
            repo.applyRenewals(
                List.of(renewal(alice, 1, days(28), 1, 999, "r1")), OptionalLong.empty()))
        .isZero();
    assertThat(repo.items(alice)).extracting(InvoiceItem::amount).containsExactly(500L);
    assertThat(ledger(alice).renewedThrough()).isEqualTo(1);
  }

  @Test
  void renewalsApplyOnlyInPeriodOrder() {
    append(fx.create(alice, "r1", T0));
    Renewal r1 = renewal(alice, 1, days(28), 1, 500, "r1");
    Renewal r2 = renewal(alice, 2, days(59), 1, 500, "r1");
    Renewal r3 = renewal(alice, 3, days(89), 1, 500, "r1");

    assertThat(repo.applyRenewals(List.of(r2), OptionalLong.empty())).isZero();
    assertThat(ledger(alice).renewedThrough()).isZero();
    // list order counts: r2 before r1 is skipped, r1 then applies, r3 then does not
    assertThat(repo.applyRenewals(List.of(r2, r1, r3), OptionalLong.empty())).isEqualTo(1);
    assertThat(ledger(alice).renewedThrough()).isEqualTo(1);
    assertThat(repo.applyRenewals(List.of(r2, r3), OptionalLong.empty())).isEqualTo(2);
    assertThat(ledger(alice).renewedThrough()).isEqualTo(3);
    assertThat(repo.items(alice))
        .extracting(i -> i.renewalPeriod().getAsInt())
        .containsExactly(1, 2, 3);
  }

  @Test
  void aRenewalFromAStaleLogIsNotApplied() {
    append(fx.create(alice, "r1", T0));
    Renewal stale = renewal(alice, 1, days(28), 1, 500, "r1");
    append(fx.deactivate(alice, "r1", days(3)));

    assertThat(repo.applyRenewals(List.of(stale), OptionalLong.empty())).isZero();
    assertThat(ledger(alice).renewedThrough()).isZero();
    assertThat(
            repo.applyRenewals(List.of(renewal(alice, 1, days(28), 2, 500)), OptionalLong.empty()))
        .isEqualTo(1);
  }

  @Test
  void aRenewalWithoutItemsStillMovesTheMark() {
    append(fx.create(alice, "r1", T0));
    assertThat(
            repo.applyRenewals(List.of(renewal(alice, 1, days(28), 1, 500)), OptionalLong.empty()))
        .isEqualTo(1);
    assertThat(ledger(alice).renewedThrough()).isEqualTo(1);
    assertThat(repo.items(alice)).isEmpty();
    assertRejected(fx.deactivate(alice, "r1", days(27)), Reason.PERIOD_ALREADY_BILLED);
  }

  @Test
  void renewalsOfUnknownTenantsAreSkipped() {
    append(fx.create(alice, "r1", T0));
    assertThat(
            repo.applyRenewals(
                List.of(
                    renewal(bob, 1, days(28), 0, 500, "r1"),
                    renewal(alice, 1, days(28), 1, 500, "r1")),
                OptionalLong.empty()))
        .isEqualTo(1);
    assertThat(repo.findTenant(bob)).isEmpty();
  }

  // ---- claims ----

  @Test
  void nothingOwedMakesNoInvoice() {
    assertThat(claimAll(List.of(claim(alice, "inv-0", T0)))).isEmpty();
    append(fx.create(alice, "r1", T0));
    assertThat(claimAll(List.of(claim(alice, "inv-1", T0)))).isEmpty();
    assertThat(repo.invoices(alice)).isEmpty();
    assertThat(repo.findInvoice("inv-1")).isEmpty();
  }

  @Test
  void aClaimPutsEveryUnclaimedItemOnOneInvoice() {
    Activity a = charged(alice, "r1", T0, 1000);
    Activity b = append(fx.create(alice, "r2", seconds(60)));
    repo.recordReconciliations(List.of(reconciled(b, 250)), OptionalLong.empty());
    Instant now = seconds(120);

    List<Invoice> created = claimAll(List.of(claim(alice, "inv-1", now)));

    Invoice expected =
        new Invoice(
            "inv-1", alice, now, now.plus(Duration.ofDays(30)), 1250, "usd", now, Optional.empty());
    assertThat(created).containsExactly(expected);
    assertThat(repo.findInvoice("inv-1")).contains(expected);
    assertThat(repo.invoices(alice)).containsExactly(expected);
    assertThat(repo.invoiceItems("inv-1"))
        .containsExactly(
            Fixture.item(a, 1000).onInvoice("inv-1"), Fixture.item(b, 250).onInvoice("inv-1"));
    assertThat(repo.items(alice)).allSatisfy(i -> assertThat(i.invoiceId()).contains("inv-1"));
    assertThat(repo.unclaimedItems(alice)).isEmpty();
    assertThat(repo.collectionState("inv-1"))
        .contains(
            new CollectionState(
                0, false, Optional.empty(), Optional.of(now), Optional.empty(), Optional.empty()));
    assertThat(repo.dueInvoices(now, 10)).containsExactly("inv-1");
    assertThat(repo.dueInvoices(now.minusSeconds(1), 10)).isEmpty();
  }

  @Test
  void aClaimedItemIsNeverClaimedAgain() {
    charged(alice, "r1", T0, 1000);
    assertThat(claimAll(List.of(claim(alice, "inv-1", seconds(1))))).hasSize(1);
    assertThat(claimAll(List.of(claim(alice, "inv-2", seconds(2))))).isEmpty();

    charged(alice, "r2", seconds(3), 300);
    assertThat(claimAll(List.of(claim(alice, "inv-3", seconds(4)))))
        .extracting(Invoice::total)
        .containsExactly(300L);
    assertThat(repo.invoiceItems("inv-1")).extracting(InvoiceItem::amount).containsExactly(1000L);
    assertThat(repo.invoiceItems("inv-3")).extracting(InvoiceItem::amount).containsExactly(300L);
    assertThat(repo.invoices(alice)).extracting(Invoice::id).containsExactly("inv-1", "inv-3");
  }

  @Test
  void aNetCreditStaysUnclaimedAndCarriesToTheNextInvoice() {
    Activity a = append(fx.create(alice, "r1", T0));
    Activity b = append(fx.deactivate(alice, "r1", seconds(10)));
    repo.recordReconciliations(
        List.of(reconciled(a, 0), reconciled(b, -300)), OptionalLong.empty());
    assertThat(claimAll(List.of(claim(alice, "inv-1", seconds(20))))).isEmpty();
    assertThat(repo.unclaimedItems(alice)).extracting(InvoiceItem::amount).containsExactly(-300L);

    charged(alice, "r2", seconds(30), 1000);
    List<Invoice> created = claimAll(List.of(claim(alice, "inv-2", seconds(40))));
    assertThat(created).extracting(Invoice::total).containsExactly(700L);
    assertThat(repo.invoiceItems("inv-2"))
        .extracting(InvoiceItem::amount)
        .containsExactly(-300L, 1000L);
  }

  @Test
  void aZeroSumMakesNoInvoice() {
    Activity a = append(fx.create(alice, "r1", T0));
    Activity b = append(fx.deactivate(alice, "r1", seconds(10)));
    repo.recordReconciliations(
        List.of(reconciled(a, 500), reconciled(b, -500)), OptionalLong.empty());
    assertThat(claimAll(List.of(claim(alice, "inv-1", seconds(20))))).isEmpty();
    assertThat(repo.unclaimedItems(alice)).hasSize(2);
  }

  @Test
  void claimsForManyTenantsGoInOneBatch() {
    charged(alice, "r1", T0, 1000);
    charged(bob, "r1", T0, 200);
    String carol = pubkey(0xca201);
    append(fx.create(carol, "r1", T0));

    List<Invoice> created =
        claimAll(
            List.of(
                claim(bob, "inv-b", seconds(5)),
                claim(carol, "inv-c", seconds(5)),
                claim(alice, "inv-a", seconds(5)),
                claim(alice, "inv-a2", seconds(5))));

    assertThat(created).extracting(Invoice::id).containsExactly("inv-b", "inv-a");
    assertThat(created).extracting(Invoice::total).containsExactly(200L, 1000L);
    assertThat(repo.invoices(alice)).extracting(Invoice::id).containsExactly("inv-a");
  }

  @Test
  void aClaimReusingAnInvoiceIdIsRefusedWhole() {
    String carol = pubkey(0xca201);
    invoice(alice, "inv-1", 1000, T0);
    charged(bob, "r1", T0, 200);
    charged(carol, "r1", T0, 300);
    assertThatThrownBy(
            () ->
                repo.claim(
                    List.of(
                        claim(carol, "x", seconds(5)).claim(), claim(bob, "x", seconds(5)).claim()),
                    (n, c) -> c.tenant().equals(carol) ? "inv-c" : "inv-1"))
        .isInstanceOf(InvalidInputException.class);
    assertThat(repo.unclaimedItems(bob)).hasSize(1);
    assertThat(repo.unclaimedItems(carol)).hasSize(1);
    assertThat(repo.findInvoice("inv-c")).isEmpty();
    assertThat(repo.findInvoice("inv-1")).map(Invoice::tenant).contains(alice);
  }

  @Test
  void noIdIsDrawnForAClaimThatMakesNoInvoice() {
    String carol = pubkey(0xca201);
    charged(bob, "r1", T0, 200);
    List<String> drawn = new ArrayList<>();
    List<Invoice> made =
        repo.claim(
            List.of(
                claim(alice, "a", T0).claim(),
                claim(bob, "b", T0).claim(),
                claim(carol, "c", T0).claim()),
            (n, c) -> {
              drawn.add(c.tenant());
              return "inv-" + drawn.size();
            });
    assertThat(drawn).containsExactly(bob);
    assertThat(made).extracting(Invoice::id).containsExactly("inv-1");
  }

  @Test
  void aClaimDecidedFromItemsThatMovedSinceRecordsNothing() {
    charged(alice, "r1", T0, 1000);
    Fixture.Claiming stale = claim(alice, "inv-1", seconds(5));
    charged(alice, "r2", seconds(1), 300);
    assertThat(claimAll(List.of(stale))).isEmpty();
    assertThat(repo.findInvoice("inv-1")).isEmpty();
    assertThat(repo.unclaimedItems(alice)).hasSize(2);
    assertThat(takeDue(seconds(5))).as("still due: the next visit decides again").contains(alice);
    assertThat(claimAll(List.of(claim(alice, "inv-2", seconds(6)))))
        .extracting(Invoice::total)
        .containsExactly(1300L);
  }

  @Test
  void unclaimedTotalsAreExactCountedAndOnePerTenantInTheOrderAsked() {
    Activity a = append(fx.create(alice, "r1", T0));
    Activity b = append(fx.create(alice, "r2", T0));
    long huge = 5_000_000_000_000_000_000L;
    repo.recordReconciliations(
        List.of(reconciled(a, huge), reconciled(b, huge)), OptionalLong.empty());
    repo.saveTenant(Tenant.of(bob));
    assertThat(repo.unclaimedTotals(List.of(bob, pubkey(0xdead), alice, bob)))
        .containsExactly(
            dev.caravel.billing.spi.UnclaimedTotal.none(bob),
            dev.caravel.billing.spi.UnclaimedTotal.none(pubkey(0xdead)),
            new dev.caravel.billing.spi.UnclaimedTotal(
                alice, java.math.BigInteger.valueOf(huge).shiftLeft(1), 2));
  }

  @Test
  void ledgersCarryTheUnclaimedTotalsAndClaimsEmptyThem() {
    Activity a = append(fx.create(alice, "r1", T0));
    Activity b = append(fx.create(alice, "r2", T0));
    repo.recordReconciliations(
        List.of(reconciled(a, 700), reconciled(b, -200)), OptionalLong.empty());
    repo.saveTenant(Tenant.of(bob));
    assertThat(repo.ledgers(List.of(alice, bob)))
        .extracting(dev.caravel.billing.spi.TenantLedger::unclaimed)
        .as("the ledger read answers what unclaimedTotals answers")
        .containsExactlyElementsOf(repo.unclaimedTotals(List.of(alice, bob)))
        .containsExactly(
            new dev.caravel.billing.spi.UnclaimedTotal(alice, java.math.BigInteger.valueOf(500), 2),
            dev.caravel.billing.spi.UnclaimedTotal.none(bob));
    claimAll(List.of(claim(alice, "inv-1", seconds(1))));
    assertThat(repo.ledgers(List.of(alice)).get(0).unclaimed())
        .isEqualTo(dev.caravel.billing.spi.UnclaimedTotal.none(alice));
  }

  @Test
  void ledgersCarryTheTenantsTaxSettingAsStored() {
    append(fx.create(alice, "r1", T0));
    dev.caravel.billing.Invoice.TaxSetting vat =
        new dev.caravel.billing.Invoice.TaxSetting(
            2_000, "VAT", dev.caravel.billing.Invoice.TaxSetting.Mode.EXCLUSIVE);
    repo.saveTenant(repo.findTenant(alice).orElseThrow().withTax(Optional.of(vat)));
    repo.saveTenant(Tenant.of(bob));
    assertThat(repo.ledgers(List.of(alice, bob)))
        .extracting(dev.caravel.billing.spi.TenantLedger::tax)
        .as("the claim taxes by the setting read with the ledger, not by a read per invoice")
        .containsExactly(Optional.of(vat), Optional.empty());
  }

  @Test
  void renewalItemsAreClaimedLikeAnyOther() {
    charged(alice, "r1", T0, 1000);
    claimAll(List.of(claim(alice, "inv-1", seconds(1))));
    repo.applyRenewals(List.of(renewal(alice, 1, days(28), 1, 1500, "r1")), OptionalLong.empty());
    assertThat(claimAll(List.of(claim(alice, "inv-2", days(28)))))
        .extracting(Invoice::total)
        .containsExactly(1500L);
    assertThat(repo.items(alice))
        .extracting(InvoiceItem::invoiceId)
        .containsExactly(Optional.of("inv-1"), Optional.of("inv-2"));
  }

  // ---- leases ----

  @Test
  void aLeaseStartsTheFirstRound() {
    invoice(alice, "inv-1", 1000, T0);
    Instant now = seconds(10);

    PaymentLease lease = repo.acquireLease("inv-1", "node-a", now, TTL).orElseThrow();

    assertThat(lease.invoiceId()).isEqualTo("inv-1");
    assertThat(lease.round()).isEqualTo(1);
    assertThat(lease.firstAttemptAt()).isEqualTo(now);
    assertThat(lease.until()).isEqualTo(now.plus(TTL));
    assertThat(repo.collectionState("inv-1"))
        .contains(
            new CollectionState(
                1,
                true,
                Optional.of(now),
                Optional.of(now.plus(TTL)),
                Optional.of(now.plus(TTL)),
                Optional.empty()));
  }

  @Test
  void aLiveLeaseIsExclusiveAndAnExpiredOneResumesItsRound() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease first = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();

    assertThat(repo.acquireLease("inv-1", "node-b", seconds(11), TTL)).isEmpty();
    assertThat(repo.acquireLease("inv-1", "node-a", seconds(11), TTL)).isEmpty();
    assertThat(repo.acquireLease("inv-1", "node-b", first.until().minusSeconds(1), TTL)).isEmpty();

    // its holder vanished: at `until` the lease is no longer live, and the open round resumes
    PaymentLease second = repo.acquireLease("inv-1", "node-b", first.until(), TTL).orElseThrow();
    assertThat(second.round()).isEqualTo(1);
    assertThat(second.firstAttemptAt()).isEqualTo(seconds(10));
    assertThat(second.token()).isNotEqualTo(first.token());

    // the lost lease can no longer end anything
    assertThat(endFinished(first, Optional.of(days(1)))).isFalse();
    assertThat(endLeftOpen(first, days(1))).isFalse();
    assertThat(repo.collectionState("inv-1")).map(CollectionState::roundOpen).contains(true);
    assertThat(endFinished(second, Optional.of(days(1)))).isTrue();
  }

  @Test
  void aLeaseSaysWhetherItResumesAnOpenRound() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease fresh = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    assertThat(fresh.resumed()).as("round 1, just started").isFalse();

    PaymentLease resumed = repo.acquireLease("inv-1", "node-b", fresh.until(), TTL).orElseThrow();
    assertThat(resumed.round()).isEqualTo(1);
    assertThat(resumed.resumed()).as("its holder vanished mid-round").isTrue();
    assertThat(endLeftOpen(resumed, resumed.until())).isTrue();
    PaymentLease again = repo.acquireLease("inv-1", "node-a", resumed.until(), TTL).orElseThrow();
    assertThat(again.resumed()).as("released, left open").isTrue();

    assertThat(endFinished(again, Optional.of(days(1)))).isTrue();
    PaymentLease round2 = repo.acquireLease("inv-1", "node-a", days(1), TTL).orElseThrow();
    assertThat(round2.round()).isEqualTo(2);
    assertThat(round2.resumed()).as("the round after a finished one").isFalse();
  }

  @Test
  void aRoundEndedPaidEndsTheLeaseAndTheCollection() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease lease = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();

    assertThat(endPaid(lease, payment("pi_1", seconds(11)))).isEqualTo(PaymentRecord.PAID);

    assertThat(repo.findInvoice("inv-1").flatMap(Invoice::payment))
        .contains(payment("pi_1", seconds(11)));
    assertThat(repo.collectionState("inv-1"))
        .contains(
            new CollectionState(
                1,
                false,
                Optional.of(seconds(10)),
                Optional.empty(),
                Optional.empty(),
                Optional.empty()));
    assertThat(endFinished(lease, Optional.of(days(1)))).as("the round has ended").isFalse();
    assertThat(repo.dueInvoices(days(365), 10)).isEmpty();
    assertThat(repo.acquireLease("inv-1", "node-b", days(1), TTL)).isEmpty();
    assertThat(repo.standingChecksDue(seconds(11), 10)).containsExactly(alice);

    // another charge reaching the paid invoice in a later round is a second payment, reported once
    assertThat(endPaid(lease, payment("pi_2", seconds(12))))
        .isEqualTo(PaymentRecord.SECOND_PAYMENT);
    assertThat(endPaid(lease, payment("pi_2", seconds(13))))
        .as("the same second payment again")
        .isEqualTo(PaymentRecord.NOTHING);
    assertThat(eventTypes())
        .containsExactly(
            dev.caravel.billing.BillingEvent.Type.INVOICE_CREATED,
            dev.caravel.billing.BillingEvent.Type.PAYMENT_SUCCEEDED,
            dev.caravel.billing.BillingEvent.Type.REFUND_NEEDED);
  }

  @Test
  void aRoundEndedPaidUnderALostLeaseRecordsTheMoneyAndLeavesTheNewHoldersRoundToIt() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease lost = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    PaymentLease holder = repo.acquireLease("inv-1", "node-b", lost.until(), TTL).orElseThrow();

    // the first holder's charge went through after all: the money is the invoice's
    assertThat(endPaid(lost, payment("pi_1", lost.until()))).isEqualTo(PaymentRecord.PAID);

    assertThat(repo.findInvoice("inv-1")).map(Invoice::isPaid).contains(true);
    assertThat(repo.collectionState("inv-1"))
        .map(CollectionState::leaseUntil)
        .as("the new holder's lease stands")
        .contains(Optional.of(holder.until()));
    assertThat(endFinished(holder, Optional.of(days(1)))).isTrue();
    assertThat(repo.collectionState("inv-1"))
        .map(CollectionState::nextAttemptAt)
        .as("paid: no next attempt")
        .contains(Optional.empty());
  }

  @Test
  void aRoundEndedPaidOnAnInvoicePaidMeanwhileIsASecondPaymentAndStillEndsTheRound() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease lease = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    // a manual settle lands while the round's card charge is on its way
    assertThat(markPaid("inv-1", payment("ch_1", seconds(11)))).isEqualTo(PaymentRecord.PAID);

    assertThat(endPaid(lease, payment("pi_1", seconds(12))))
        .isEqualTo(PaymentRecord.SECOND_PAYMENT);

    assertThat(repo.findInvoice("inv-1").flatMap(Invoice::payment))
        .contains(payment("ch_1", seconds(11)));
    assertThat(repo.collectionState("inv-1"))
        .as("the lease still held: its round ended, as a finished one with no next round")
        .contains(
            new CollectionState(
                1,
                false,
                Optional.of(seconds(10)),
                Optional.empty(),
                Optional.empty(),
                Optional.empty()));
    assertThat(endLeftOpen(lease, days(1))).as("the lease is gone").isFalse();
  }

  @Test
  void finishingARoundSchedulesTheNextAndTheNextLeaseStartsANewRound() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease lease = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();

    assertThat(endFinished(lease, Optional.of(days(1)))).isTrue();
    assertThat(endFinished(lease, Optional.of(days(2)))).isFalse();
    assertThat(repo.collectionState("inv-1"))
        .contains(
            new CollectionState(
                1,
                false,
                Optional.of(seconds(10)),
                Optional.of(days(1)),
                Optional.empty(),
                Optional.empty()));

    PaymentLease round2 = repo.acquireLease("inv-1", "node-b", days(1), TTL).orElseThrow();
    assertThat(round2.round()).isEqualTo(2);
    assertThat(round2.firstAttemptAt()).isEqualTo(seconds(10));
    assertThat(endFinished(round2, Optional.empty())).isTrue();
    assertThat(repo.collectionState("inv-1"))
        .contains(
            new CollectionState(
                2,
                false,
                Optional.of(seconds(10)),
                Optional.empty(),
                Optional.empty(),
                Optional.empty()));
    assertThat(repo.dueInvoices(days(365), 10)).isEmpty();
  }

  @Test
  void releasingALeaseLeavesItsRoundOpen() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease lease = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();

    assertThat(endLeftOpen(lease, seconds(600))).isTrue();
    assertThat(endLeftOpen(lease, seconds(900))).isFalse();
    assertThat(repo.collectionState("inv-1"))
        .contains(
            new CollectionState(
                1,
                true,
                Optional.of(seconds(10)),
                Optional.of(seconds(600)),
                Optional.empty(),
                Optional.empty()));
    assertThat(repo.dueInvoices(seconds(599), 10)).isEmpty();
    assertThat(repo.dueInvoices(seconds(600), 10)).containsExactly("inv-1");

    PaymentLease resumed = repo.acquireLease("inv-1", "node-b", seconds(600), TTL).orElseThrow();
    assertThat(resumed.round()).isEqualTo(1);
    assertThat(resumed.token()).isNotEqualTo(lease.token());
  }

  @Test
  void noLeaseOnAnUnknownOrPaidInvoice() {
    assertThat(repo.acquireLease("nope", "node-a", T0, TTL)).isEmpty();
    invoice(alice, "inv-1", 1000, T0);
    assertThat(markPaid("inv-1", payment("ch_1", seconds(5)))).isEqualTo(PaymentRecord.PAID);
    assertThat(repo.acquireLease("inv-1", "node-a", seconds(6), TTL)).isEmpty();
  }

  // ---- the one rule into a round (no round before it is due) ----

  @Test
  void noRoundStartsBeforeTheNextAttempt() {
    invoice(alice, "inv-1", 1000, T0);
    assertThat(repo.acquireLease("inv-1", "node-a", T0.minusSeconds(1), TTL))
        .as("before it was due")
        .isEmpty();
    PaymentLease round1 = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    assertThat(endFinished(round1, Optional.of(days(1)))).isTrue();

    // the instance that made the invoice reaches it in its list at the same instant: nothing
    assertThat(repo.acquireLease("inv-1", "node-b", seconds(10), TTL)).isEmpty();
    assertThat(repo.acquireLease("inv-1", "node-b", days(1).minusSeconds(1), TTL)).isEmpty();
    assertThat(repo.acquireLease("inv-1", "node-b", days(1), TTL))
        .map(PaymentLease::round)
        .contains(2);
  }

  @Test
  void aHeldRoundStartsNoOtherUntilPaid() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease round1 = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    CollectionHold pending = new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_1");

    assertThat(endHeld(round1, pending, T0)).isTrue();
    assertThat(endHeld(round1, pending, T0)).as("a lost lease holds nothing").isFalse();

    assertThat(repo.acquireLease("inv-1", "node-b", seconds(10), TTL)).isEmpty();
    assertThat(repo.acquireLease("inv-1", "node-b", days(365), TTL)).isEmpty();
    assertThat(repo.dueInvoices(days(365), 10)).isEmpty();
    assertThat(repo.collectionState("inv-1"))
        .contains(
            new CollectionState(
                1,
                false,
                Optional.of(seconds(10)),
                Optional.empty(),
                Optional.empty(),
                Optional.of(pending)));

    assertThat(markPaid("inv-1", payment("pi_1", days(1)))).isEqualTo(PaymentRecord.PAID);
    assertThat(repo.collectionState("inv-1")).map(CollectionState::hold).contains(Optional.empty());
  }

  @Test
  void aHoldIsReleasedOnlyFromTheStateReadAndOnlyOnce() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease round1 = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    CollectionHold pending = new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_1");
    endHeld(round1, pending, T0);
    CollectionState read = repo.collectionState("inv-1").orElseThrow();
    CollectionChange dueTomorrow =
        new CollectionChange.Reschedule(Optional.of(days(1)), seconds(11));

    assertThat(
            repo.changeCollection(
                "inv-1",
                withHold(read, new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_x")),
                dueTomorrow))
        .as("read another intent's hold")
        .isFalse();
    assertThat(
            repo.changeCollection(
                "inv-1",
                withHold(read, new CollectionHold(CollectionHold.Reason.OUTCOME_UNKNOWN, "pi_1")),
                dueTomorrow))
        .as("read another reason")
        .isFalse();
    assertThat(repo.changeCollection("nope", read, dueTomorrow)).isFalse();
    assertThat(repo.collectionState("inv-1")).contains(read);

    // the failure webhook, delivered to two instances at once, reopens collection once
    List<Boolean> released = Race.all(4, i -> repo.changeCollection("inv-1", read, dueTomorrow));
    assertThat(released).containsOnlyOnce(true);
    assertThat(repo.collectionState("inv-1"))
        .contains(
            new CollectionState(
                1,
                false,
                Optional.of(seconds(10)),
                Optional.of(days(1)),
                Optional.empty(),
                Optional.empty()));
    assertThat(repo.acquireLease("inv-1", "node-b", days(1).minusSeconds(1), TTL)).isEmpty();
    assertThat(repo.acquireLease("inv-1", "node-b", days(1), TTL))
        .map(PaymentLease::round)
        .contains(2);
  }

  @Test
  void aReleasedHoldMayEndDunningAndAPaidInvoiceIsNeverChanged() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease round1 = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    CollectionHold unknown =
        new CollectionHold(CollectionHold.Reason.OUTCOME_UNKNOWN, "sent at T0");
    endHeld(round1, unknown, T0);
    assertThat(rescheduleAsRead("inv-1", Optional.empty())).isTrue();
    assertThat(repo.collectionState("inv-1"))
        .map(CollectionState::nextAttemptAt)
        .contains(Optional.empty());
    assertThat(repo.dueInvoices(days(365), 10)).isEmpty();

    invoice(bob, "inv-2", 1000, T0);
    PaymentLease other = repo.acquireLease("inv-2", "node-a", seconds(10), TTL).orElseThrow();
    CollectionHold pending = new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_2");
    endHeld(other, pending, T0);
    CollectionState beforePayment = repo.collectionState("inv-2").orElseThrow();
    markPaid("inv-2", payment("pi_2", seconds(20)));
    CollectionChange dueTomorrow =
        new CollectionChange.Reschedule(Optional.of(days(1)), seconds(11));
    assertThat(repo.changeCollection("inv-2", beforePayment, dueTomorrow))
        .as("read before the payment")
        .isFalse();
    assertThat(rescheduleAsRead("inv-2", Optional.of(days(1))))
        .as("paid: its collection state, read afresh, changes no more")
        .isFalse();
    assertThat(repo.collectionState("inv-2"))
        .map(CollectionState::nextAttemptAt)
        .contains(Optional.empty());
  }

  @Test
  void anOrphanedRoundIsDueWhenItsLeaseEnds() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease round1 = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    // node-a dies holding the lease: the round is due again at the lease's end, not earlier, not
    // later
    assertThat(repo.collectionState("inv-1"))
        .map(CollectionState::nextAttemptAt)
        .contains(Optional.of(round1.until()));
    assertThat(repo.dueInvoices(round1.until().minusSeconds(1), 10)).isEmpty();
    assertThat(repo.dueInvoices(round1.until(), 10)).containsExactly("inv-1");
    assertThat(repo.acquireLease("inv-1", "node-b", round1.until(), TTL))
        .map(PaymentLease::round)
        .contains(1);
  }

  @Test
  void aRetryDecidedOnAStaleReadIsNeverRecorded() {
    invoice(alice, "inv-1", 1000, T0);
    CollectionState fresh = repo.collectionState("inv-1").orElseThrow();
    CollectionChange dueNow =
        new CollectionChange.Reschedule(Optional.of(seconds(11)), seconds(11));
    PaymentLease round1 = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    assertThat(repo.changeCollection("inv-1", fresh, dueNow)).as("leased since").isFalse();
    CollectionState leased = repo.collectionState("inv-1").orElseThrow();
    endLeftOpen(round1, seconds(600));
    assertThat(repo.changeCollection("inv-1", leased, dueNow))
        .as("its round left open since")
        .isFalse();

    PaymentLease resumed = repo.acquireLease("inv-1", "node-a", seconds(600), TTL).orElseThrow();
    endFinished(resumed, Optional.of(days(1)));
    assertThat(rescheduleAsRead("inv-1", Optional.of(seconds(700)))).isTrue();
    assertThat(repo.collectionState("inv-1"))
        .map(CollectionState::nextAttemptAt)
        .contains(Optional.of(seconds(700)));
    assertThat(repo.acquireLease("inv-1", "node-b", seconds(700), TTL))
        .map(PaymentLease::round)
        .contains(2);

    invoice(bob, "inv-2", 1000, T0);
    markPaid("inv-2", payment("ch_2", seconds(5)));
    assertThat(rescheduleAsRead("inv-2", Optional.of(seconds(700)))).as("paid").isFalse();
    assertThat(repo.dueInvoices(days(365), 10)).doesNotContain("inv-2");
  }

  @Test
  void theConditionalWriteLosesWhenAnyFieldOfTheCollectionStateChangedSinceTheRead() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease round1 = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    CollectionHold fault = new CollectionHold(CollectionHold.Reason.CONFIGURATION_FAULT, "key");
    endHeld(round1, fault, seconds(11));
    CollectionState read = repo.collectionState("inv-1").orElseThrow();
    List<CollectionState> stale =
        List.of(
            new CollectionState(
                read.rounds() + 1,
                read.roundOpen(),
                read.firstAttemptAt(),
                read.nextAttemptAt(),
                read.leaseUntil(),
                read.hold()),
            new CollectionState(
                read.rounds(),
                !read.roundOpen(),
                read.firstAttemptAt(),
                read.nextAttemptAt(),
                read.leaseUntil(),
                read.hold()),
            new CollectionState(
                read.rounds(),
                read.roundOpen(),
                Optional.of(seconds(9)),
                read.nextAttemptAt(),
                read.leaseUntil(),
                read.hold()),
            new CollectionState(
                read.rounds(),
                read.roundOpen(),
                read.firstAttemptAt(),
                Optional.of(seconds(12)),
                read.leaseUntil(),
                read.hold()),
            new CollectionState(
                read.rounds(),
                read.roundOpen(),
                read.firstAttemptAt(),
                read.nextAttemptAt(),
                Optional.of(seconds(11)),
                read.hold()),
            withHold(read, null),
            withHold(read, new CollectionHold(CollectionHold.Reason.CONFIGURATION_FAULT, "other")));
    Invoice.Closure closure = voided(seconds(20));
    for (CollectionState expected : stale) {
      assertThat(repo.changeCollection("inv-1", expected, closeBy("inv-1", closure)))
          .as("a close from " + expected)
          .isFalse();
      assertThat(
              repo.changeCollection(
                  "inv-1",
                  expected,
                  new CollectionChange.Reschedule(Optional.of(seconds(20)), seconds(11))))
          .as("a reschedule from " + expected)
          .isFalse();
    }
    assertThat(repo.collectionState("inv-1")).as("nothing written").contains(read);
    assertThat(repo.findInvoice("inv-1").orElseThrow().isOpen()).isTrue();
    assertThat(eventTypes()).doesNotContain(dev.caravel.billing.BillingEvent.Type.INVOICE_VOIDED);

    assertThat(repo.changeCollection("inv-1", read, closeBy("inv-1", closure)))
        .as("the state read, unchanged")
        .isTrue();
  }

  @Test
  void racingInstancesStartOneRoundAfterAPendingOne() throws Exception {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease round1 = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    endHeld(round1, new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_1"), T0);
    List<Optional<PaymentLease>> leases =
        Race.all(8, i -> repo.acquireLease("inv-1", "node-" + i, seconds(10), TTL));
    assertThat(leases).allSatisfy(l -> assertThat(l).isEmpty());
  }

  // ---- holds on which no money can move (issue 21, defects 2 and 13) ----

  @Test
  void everyHoldReasonIsRecordedAndReadBack() {
    CollectionHold.Reason[] reasons = CollectionHold.Reason.values();
    for (int i = 0; i < reasons.length; i++) {
      String id = "inv-" + i;
      invoice(pubkey(0x7000 + i), id, 1000, T0);
      PaymentLease round = repo.acquireLease(id, "node-a", seconds(10), TTL).orElseThrow();
      CollectionHold hold = new CollectionHold(reasons[i], "why " + reasons[i]);
      assertThat(endHeld(round, hold, seconds(11))).isTrue();
      assertThat(repo.collectionState(id))
          .contains(
              new CollectionState(
                  1,
                  false,
                  Optional.of(seconds(10)),
                  Optional.empty(),
                  Optional.empty(),
                  Optional.of(hold)));
      assertThat(repo.acquireLease(id, "node-b", days(365), TTL))
          .as("no round by itself")
          .isEmpty();
    }
    assertThat(repo.dueInvoices(days(365), 10)).isEmpty();
    assertThat(eventTypes())
        .filteredOn(t -> t == dev.caravel.billing.BillingEvent.Type.NEEDS_ATTENTION)
        .as("every hold but a pending charge needs attention")
        .hasSize(reasons.length - 1);
  }

  @Test
  void everyHoldEndsWithACloseRecordedFromItsRead() {
    CollectionHold.Reason[] reasons = CollectionHold.Reason.values();
    for (int i = 0; i < reasons.length; i++) {
      String id = "inv-" + i;
      invoice(pubkey(0x7100 + i), id, 1000, T0);
      PaymentLease round = repo.acquireLease(id, "node-a", seconds(10), TTL).orElseThrow();
      CollectionHold hold = new CollectionHold(reasons[i], "why " + reasons[i]);
      endHeld(round, hold, seconds(11));

      assertThat(closeAsRead(id, voided(seconds(20)))).as(reasons[i].name()).isTrue();

      assertThat(repo.findInvoice(id).orElseThrow().status()).isEqualTo(Invoice.Status.VOID);
      assertThat(repo.collectionState(id).orElseThrow().hold()).as("ends with it").isEmpty();
      assertThat(rescheduleAsRead(id, Optional.of(days(1)))).as("closed").isFalse();
      assertThat(repo.acquireLease(id, "node-b", days(365), TTL)).isEmpty();
    }
  }

  @Test
  void everyHoldEndsWithARescheduleFromItsReadAndTheNextRoundIsNew() {
    CollectionHold.Reason[] reasons = CollectionHold.Reason.values();
    for (int i = 0; i < reasons.length; i++) {
      String id = "inv-" + i;
      invoice(pubkey(0x7200 + i), id, 1000, T0);
      PaymentLease round = repo.acquireLease(id, "node-a", seconds(10), TTL).orElseThrow();
      CollectionHold hold = new CollectionHold(reasons[i], "why " + reasons[i]);
      endHeld(round, hold, seconds(11));

      assertThat(rescheduleAsRead(id, Optional.of(seconds(30)))).as(reasons[i].name()).isTrue();

      assertThat(repo.collectionState(id))
          .contains(
              new CollectionState(
                  1,
                  false,
                  Optional.of(seconds(10)),
                  Optional.of(seconds(30)),
                  Optional.empty(),
                  Optional.empty()));
      assertThat(repo.acquireLease(id, "node-b", seconds(30), TTL))
          .as("a new round: the last one was finished")
          .hasValueSatisfying(
              l -> {
                assertThat(l.round()).isEqualTo(2);
                assertThat(l.resumed()).isFalse();
              });
    }
  }

  @Test
  void aHoldIsReleasedOnceByRacingCallsAndNotOncePaid() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease round = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    CollectionHold fault =
        new CollectionHold(CollectionHold.Reason.CONFIGURATION_FAULT, "resource_missing");
    endHeld(round, fault, seconds(11));
    CollectionState read = repo.collectionState("inv-1").orElseThrow();
    List<Boolean> released =
        Race.all(
            4,
            i ->
                repo.changeCollection(
                    "inv-1",
                    read,
                    new CollectionChange.Reschedule(Optional.of(seconds(20)), seconds(11))));
    assertThat(released).containsOnlyOnce(true);
    assertThat(repo.acquireLease("inv-1", "node-b", seconds(20), TTL))
        .map(PaymentLease::round)
        .contains(2);

    invoice(bob, "inv-2", 1000, T0);
    PaymentLease other = repo.acquireLease("inv-2", "node-a", seconds(10), TTL).orElseThrow();
    CollectionHold refused =
        new CollectionHold(CollectionHold.Reason.REFUSED_BEFORE_SEND, "below the minimum");
    endHeld(other, refused, seconds(11));
    CollectionState held = repo.collectionState("inv-2").orElseThrow();
    assertThat(markPaid("inv-2", payment("lnbc_by_hand", seconds(12))))
        .isEqualTo(PaymentRecord.PAID);
    assertThat(repo.collectionState("inv-2").orElseThrow().hold()).isEmpty();
    assertThat(
            repo.changeCollection(
                "inv-2",
                held,
                new CollectionChange.Reschedule(Optional.of(seconds(20)), seconds(11))))
        .isFalse();
    assertThat(rescheduleAsRead("inv-2", Optional.of(seconds(20)))).isFalse();
  }

  /** {@code read} with its hold replaced ({@code null}: none). */
  private static CollectionState withHold(CollectionState read, CollectionHold hold) {
    return new CollectionState(
        read.rounds(),
        read.roundOpen(),
        read.firstAttemptAt(),
        read.nextAttemptAt(),
        read.leaseUntil(),
        Optional.ofNullable(hold));
  }

  /** A reschedule the way the engine asks for one: from the collection state it just read. */
  private boolean rescheduleAsRead(String invoiceId, Optional<Instant> next) {
    return repo.changeCollection(
        invoiceId,
        repo.collectionState(invoiceId).orElseThrow(),
        new CollectionChange.Reschedule(next, seconds(11)));
  }

  /**
   * {@link Repository#endRound} with {@link RoundEnd.Held}, with the event the engine builds for
   * the hold; true if the lease still held.
   */
  private boolean endHeld(PaymentLease lease, CollectionHold hold, Instant at) {
    Invoice invoice = repo.findInvoice(lease.invoiceId()).orElseThrow();
    return leaseHeld(
        repo.endRound(
            lease,
            new RoundEnd.Held(hold, dev.caravel.billing.BillingEvent.held(invoice, hold, at))));
  }

  /** {@link Repository#endRound} with {@link RoundEnd.Finished}; true if the lease still held. */
  private boolean endFinished(PaymentLease lease, Optional<Instant> nextAttemptAt) {
    return leaseHeld(repo.endRound(lease, new RoundEnd.Finished(nextAttemptAt)));
  }

  /** {@link Repository#endRound} with {@link RoundEnd.LeftOpen}; true if the lease still held. */
  private boolean endLeftOpen(PaymentLease lease, Instant nextAttemptAt) {
    return leaseHeld(repo.endRound(lease, new RoundEnd.LeftOpen(nextAttemptAt)));
  }

  /**
   * What every end but a payment answers: {@link RoundEnded.Recorded} when the lease held, {@link
   * RoundEnded.LeaseLost} when it did not, never a payment's answer.
   */
  private static boolean leaseHeld(RoundEnded ended) {
    assertThat(ended)
        .as("a round ended without a payment answers whether its lease held")
        .isInstanceOfAny(RoundEnded.Recorded.class, RoundEnded.LeaseLost.class);
    return ended instanceof RoundEnded.Recorded;
  }

  /** A close the way the engine asks for one: from the collection state it just read. */
  private boolean closeAsRead(String invoiceId, Invoice.Closure closure) {
    return repo.changeCollection(
        invoiceId, repo.collectionState(invoiceId).orElseThrow(), closeBy(invoiceId, closure));
  }

  /** The closure with the event the engine builds for it. */
  private CollectionChange.Close closeBy(String invoiceId, Invoice.Closure closure) {
    Invoice invoice = repo.findInvoice(invoiceId).orElseThrow();
    return new CollectionChange.Close(
        closure, dev.caravel.billing.BillingEvent.closed(invoice.closedBy(closure)));
  }

  // ---- payment ----

  /**
   * {@link Repository#markPaid} with the events the engine builds for it, from the invoice as
   * stored (an unknown invoice gets events naming it, which nothing appends).
   */
  private PaymentRecord markPaid(String invoiceId, Payment payment) {
    return repo.markPaid(invoiceId, payment, eventsFor(invoiceId, payment));
  }

  /**
   * {@link Repository#endRound} with {@link RoundEnd.Paid}, with the events the engine builds for
   * it: the payment write it made, which is what a paid round's end always answers, lease or not.
   */
  private PaymentRecord endPaid(PaymentLease lease, Payment payment) {
    RoundEnded ended =
        repo.endRound(lease, new RoundEnd.Paid(payment, eventsFor(lease.invoiceId(), payment)));
    assertThat(ended)
        .as("a paid round's end answers the payment write")
        .isInstanceOf(RoundEnded.PaymentRecorded.class);
    return ((RoundEnded.PaymentRecorded) ended).recorded();
  }

  private PaymentEvents eventsFor(String invoiceId, Payment payment) {
    Optional<Invoice> invoice = repo.findInvoice(invoiceId);
    if (invoice.isEmpty()) {
      dev.caravel.billing.BillingEvent none =
          new dev.caravel.billing.BillingEvent(
              0,
              dev.caravel.billing.BillingEvent.Type.PAYMENT_SUCCEEDED,
              alice,
              Optional.of(invoiceId),
              0,
              Optional.of(payment.reference()),
              payment.method().wireName(),
              payment.paidAt());
      return new PaymentEvents(none, none);
    }
    return new PaymentEvents(
        dev.caravel.billing.BillingEvent.paid(invoice.get(), payment),
        dev.caravel.billing.BillingEvent.refundNeeded(invoice.get(), payment));
  }

  @Test
  void anInvoiceIsPaidOnce() {
    Invoice invoice = invoice(alice, "inv-1", 1000, T0);
    Payment first = payment("ch_1", seconds(5));

    assertThat(markPaid("inv-1", first)).isEqualTo(PaymentRecord.PAID);
    assertThat(markPaid("inv-1", payment("ch_2", seconds(6))))
        .isEqualTo(PaymentRecord.SECOND_PAYMENT);
    assertThat(markPaid("inv-1", first)).isEqualTo(PaymentRecord.NOTHING);

    Invoice paid = repo.findInvoice("inv-1").orElseThrow();
    assertThat(paid.payment()).contains(first);
    assertThat(paid.isPaid()).isTrue();
    assertThat(paid.total()).isEqualTo(invoice.total());
    assertThat(repo.invoices(alice)).containsExactly(paid);
    assertThat(repo.collectionState("inv-1"))
        .map(CollectionState::nextAttemptAt)
        .contains(Optional.empty());
    assertThat(repo.dueInvoices(days(365), 10)).isEmpty();
    assertThat(markPaid("nope", first)).isEqualTo(PaymentRecord.NOTHING);
  }

  @Test
  void aPaymentWriteAppendsTheEventGivenForTheWriteItMadeAndBuildsNone() {
    invoice(alice, "inv-1", 1000, T0);
    // Events no storage could build itself: whatever the engine gives is appended as given.
    dev.caravel.billing.BillingEvent asPayment = given("set", "pi_1", seconds(5));
    dev.caravel.billing.BillingEvent asSecond = given("second", "pi_2", seconds(6));

    assertThat(
            repo.markPaid(
                "inv-1",
                payment("pi_1", seconds(5)),
                new PaymentEvents(asPayment, given("unused", "pi_1", seconds(5)))))
        .isEqualTo(PaymentRecord.PAID);
    assertThat(
            repo.markPaid(
                "inv-1",
                payment("pi_2", seconds(6)),
                new PaymentEvents(given("unused", "pi_2", seconds(6)), asSecond)))
        .isEqualTo(PaymentRecord.SECOND_PAYMENT);
    PaymentEvents neither =
        new PaymentEvents(given("unused", "pi_1", seconds(7)), given("unused", "pi_1", seconds(7)));
    assertThat(repo.markPaid("inv-1", payment("pi_1", seconds(7)), neither))
        .as("the invoice's own payment: nothing written")
        .isEqualTo(PaymentRecord.NOTHING);

    assertThat(allEvents())
        .filteredOn(e -> e.type() != dev.caravel.billing.BillingEvent.Type.INVOICE_CREATED)
        .extracting(e -> e.withId(0))
        .containsExactly(asPayment, asSecond);
    assertThat(repo.findInvoice("inv-1").flatMap(Invoice::payment))
        .contains(payment("pi_1", seconds(5)));
  }

  /** An event told apart by its detail, naming inv-1 of alice. */
  private dev.caravel.billing.BillingEvent given(String detail, String reference, Instant at) {
    return new dev.caravel.billing.BillingEvent(
        0,
        detail.equals("second")
            ? dev.caravel.billing.BillingEvent.Type.REFUND_NEEDED
            : dev.caravel.billing.BillingEvent.Type.PAYMENT_SUCCEEDED,
        alice,
        Optional.of("inv-1"),
        4242,
        Optional.of(reference),
        "as given: " + detail,
        at);
  }

  @Test
  void aPaymentDecidedOnAnOpenInvoiceThatWasClosedMeanwhileIsInsertedAsASecondPayment() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentEvents decidedWhileOpen = eventsFor("inv-1", payment("pi_1", seconds(6)));
    assertThat(closeAsRead("inv-1", voided(seconds(5)))).isTrue();

    assertThat(repo.markPaid("inv-1", payment("pi_1", seconds(6)), decidedWhileOpen))
        .isEqualTo(PaymentRecord.SECOND_PAYMENT);
    assertThat(repo.findInvoice("inv-1").orElseThrow().isPaid())
        .as("a closed invoice never becomes paid")
        .isFalse();
    assertThat(allEvents())
        .extracting(e -> e.withId(0))
        .endsWith(decidedWhileOpen.asSecondPayment());
  }

  @Test
  void aPaidInvoiceIsNeverScheduledAgain() {
    invoice(alice, "inv-1", 1000, T0);
    invoice(bob, "inv-2", 1000, T0);
    PaymentLease l1 = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    PaymentLease l2 = repo.acquireLease("inv-2", "node-a", seconds(10), TTL).orElseThrow();
    markPaid("inv-1", payment("ch_1", seconds(11)));
    markPaid("inv-2", payment("ch_2", seconds(11)));

    // the holders end their rounds as usual; whatever they ask, nothing is due again
    endFinished(l1, Optional.of(days(1)));
    endLeftOpen(l2, days(1));

    assertThat(repo.dueInvoices(days(365), 10)).isEmpty();
    assertThat(repo.collectionState("inv-1"))
        .map(CollectionState::nextAttemptAt)
        .contains(Optional.empty());
    assertThat(repo.collectionState("inv-2"))
        .map(CollectionState::nextAttemptAt)
        .contains(Optional.empty());
    assertThat(repo.acquireLease("inv-2", "node-b", days(2), TTL)).isEmpty();
  }

  @Test
  void aRoundHeldAfterItsInvoiceWasPaidEndsWithNoHoldAndNoEvent() {
    invoice(alice, "inv-1", 1000, T0);
    PaymentLease round = repo.acquireLease("inv-1", "node-a", seconds(10), TTL).orElseThrow();
    markPaid("inv-1", payment("ch_1", seconds(11)));

    // the holder heard "pending" before the payment landed: the round ends, the hold is dropped
    CollectionHold pending = new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_1");
    assertThat(endHeld(round, pending, seconds(12))).as("the lease still held").isTrue();

    assertThat(repo.collectionState("inv-1"))
        .contains(
            new CollectionState(
                1,
                false,
                Optional.of(seconds(10)),
                Optional.empty(),
                Optional.empty(),
                Optional.empty()));
    assertThat(eventTypes())
        .as("a paid invoice carries no hold, so no PAYMENT_PENDING is told")
        .containsExactly(
            dev.caravel.billing.BillingEvent.Type.INVOICE_CREATED,
            dev.caravel.billing.BillingEvent.Type.PAYMENT_SUCCEEDED);
  }

  // ---- due invoices ----

  @Test
  void dueInvoicesAreUnpaidUnleasedAndOrderedByTheirNextAttempt() {
    invoice(alice, "inv-a", 100, seconds(3));
    invoice(bob, "inv-b", 100, seconds(1));
    String carol = pubkey(0xca201);
    invoice(carol, "inv-c", 100, seconds(2));

    assertThat(repo.dueInvoices(seconds(0), 10)).isEmpty();
    assertThat(repo.dueInvoices(seconds(2), 10)).containsExactly("inv-b", "inv-c");
    assertThat(repo.dueInvoices(seconds(3), 10)).containsExactly("inv-b", "inv-c", "inv-a");
    assertThat(repo.dueInvoices(seconds(3), 2)).containsExactly("inv-b", "inv-c");

    PaymentLease lease =
        repo.acquireLease("inv-b", "node-a", seconds(10), Duration.ofSeconds(60)).orElseThrow();
    assertThat(repo.dueInvoices(seconds(10), 10)).containsExactly("inv-c", "inv-a");
    // its holder gone, the open round is due at the lease's end, and so ordered after the others
    assertThat(repo.dueInvoices(seconds(69), 10)).containsExactly("inv-c", "inv-a");
    assertThat(repo.dueInvoices(seconds(70), 10)).containsExactly("inv-c", "inv-a", "inv-b");

    endLeftOpen(lease, seconds(0));
    assertThat(repo.dueInvoices(seconds(3), 10)).containsExactly("inv-b", "inv-c", "inv-a");
    PaymentLease c = repo.acquireLease("inv-c", "node-a", seconds(10), TTL).orElseThrow();
    endFinished(c, Optional.of(days(3)));
    markPaid("inv-a", payment("ch", seconds(11)));
    assertThat(repo.dueInvoices(days(2), 10)).containsExactly("inv-b");
    assertThat(repo.dueInvoices(days(3), 10)).containsExactly("inv-b", "inv-c");
  }

  // ---- BOLT11 ----

  @Test
  void bolt11IsReplacedByCompareAndSet() {
    invoice(alice, "inv-1", 1000, T0);
    assertThat(repo.findBolt11("inv-1")).isEmpty();

    Bolt11Request first = bolt11("inv-1", "lnbc1first", seconds(1));
    assertThat(repo.replaceBolt11(first, Optional.empty())).isEqualTo(first);
    assertThat(repo.findBolt11("inv-1")).contains(first);

    // a caller that saw no request loses to the one installed meanwhile
    Bolt11Request loser = bolt11("inv-1", "lnbc1loser", seconds(2));
    assertThat(repo.replaceBolt11(loser, Optional.empty())).isEqualTo(first);
    assertThat(repo.replaceBolt11(loser, Optional.of("lnbc1stale"))).isEqualTo(first);

    Bolt11Request second = bolt11("inv-1", "lnbc1second", seconds(3600));
    assertThat(repo.replaceBolt11(second, Optional.of("lnbc1first"))).isEqualTo(second);
    assertThat(repo.findBolt11("inv-1")).contains(second);
    assertThat(repo.replaceBolt11(loser, Optional.of("lnbc1first"))).isEqualTo(second);
  }

  @Test
  void settlingMarksTheCurrentRequestOnce() {
    invoice(alice, "inv-1", 1000, T0);
    Bolt11Request first =
        repo.replaceBolt11(bolt11("inv-1", "lnbc1first", seconds(1)), Optional.empty());

    repo.markBolt11Settled("inv-1", "lnbc1other", seconds(5));
    assertThat(repo.findBolt11("inv-1")).contains(first);

    repo.markBolt11Settled("inv-1", "lnbc1first", seconds(10));
    repo.markBolt11Settled("inv-1", "lnbc1first", seconds(20));
    assertThat(repo.findBolt11("inv-1")).contains(first.settled(seconds(10)));
    assertThat(repo.findBolt11("inv-1").orElseThrow().isSettled()).isTrue();
  }

  @Test
  void eachInvoiceHasItsOwnBolt11() {
    invoice(alice, "inv-1", 1000, T0);
    invoice(bob, "inv-2", 1000, T0);
    Bolt11Request one =
        repo.replaceBolt11(bolt11("inv-1", "lnbc1one", seconds(1)), Optional.empty());
    Bolt11Request two =
        repo.replaceBolt11(bolt11("inv-2", "lnbc1two", seconds(1)), Optional.empty());
    assertThat(repo.findBolt11("inv-1")).contains(one);
    assertThat(repo.findBolt11("inv-2")).contains(two);
  }

  @Test
  void bolt11ForAnUnknownInvoiceIsRefused() {
    assertThatThrownBy(() -> repo.replaceBolt11(bolt11("nope", "lnbc1x", T0), Optional.empty()))
        .isInstanceOf(InvalidInputException.class);
  }

  // ---- BOLT11s still payable after their invoice ended (issue 21, S18) ----

  @Test
  void unsettledBolt11sOfEndedInvoicesAreListedByExpiryAndPaged() {
    List<String> ids =
        List.of("inv-paid", "inv-void", "inv-off", "inv-open", "inv-settled", "inv-old", "inv-re");
    for (int i = 0; i < ids.size(); i++) {
      invoice(pubkey(0x100 + i), ids.get(i), 1000, T0);
    }
    // Each request lives an hour from its creation (the fixture's): expiry = created + 3600 s.
    Bolt11Request paid = install(bolt11("inv-paid", "lnbc1paid", seconds(30)));
    Bolt11Request voided = install(bolt11("inv-void", "lnbc1void", seconds(10)));
    Bolt11Request off = install(bolt11("inv-off", "lnbc1off", seconds(10)));
    install(bolt11("inv-open", "lnbc1open", seconds(10)));
    install(bolt11("inv-settled", "lnbc1settled", seconds(10)));
    repo.markBolt11Settled("inv-settled", "lnbc1settled", seconds(11));
    install(bolt11("inv-old", "lnbc1old", T0));
    install(bolt11("inv-re", "lnbc1first", seconds(5)));
    Bolt11Request live =
        repo.replaceBolt11(bolt11("inv-re", "lnbc1live", seconds(20)), Optional.of("lnbc1first"));
    for (String id : List.of("inv-paid", "inv-settled", "inv-old", "inv-re")) {
      assertThat(markPaid(id, payment("pi_" + id, seconds(40)))).isEqualTo(PaymentRecord.PAID);
    }
    assertThat(closeAsRead("inv-void", voided(seconds(40)))).isTrue();
    assertThat(
            closeAsRead(
                "inv-off", new Invoice.Closure(Invoice.Status.UNCOLLECTIBLE, "gone", seconds(40))))
        .isTrue();

    Instant since = seconds(3600); // inv-old's request expired then: not after it
    assertThat(repo.unsettledBolt11sOfEndedInvoices(since, Optional.empty(), 10))
        .as("ended invoices' live, unsettled requests, by (expiry, invoice id)")
        .containsExactly(off, voided, live, paid);
    assertThat(repo.unsettledBolt11sOfEndedInvoices(since, Optional.empty(), 2))
        .containsExactly(off, voided);
    assertThat(repo.unsettledBolt11sOfEndedInvoices(since, Optional.of(voided), 2))
        .as("the next page starts strictly after the last one read")
        .containsExactly(live, paid);
    assertThat(repo.unsettledBolt11sOfEndedInvoices(since, Optional.of(paid), 2)).isEmpty();

    repo.markBolt11Settled("inv-void", "lnbc1void", seconds(50));
    assertThat(repo.unsettledBolt11sOfEndedInvoices(since, Optional.empty(), 10))
        .as("settled: no longer listed")
        .containsExactly(off, live, paid);
    assertThat(repo.unsettledBolt11sOfEndedInvoices(paid.expiresAt(), Optional.empty(), 10))
        .as("all expired by then")
        .isEmpty();
  }

  private Bolt11Request install(Bolt11Request request) {
    return repo.replaceBolt11(request, Optional.empty());
  }

  // ---- a late payment delivered again and again (issue 21) ----

  @Test
  void theSameLatePaymentDeliveredThreeTimesIsRecordedOnceAndSaidOnce() {
    invoice(alice, "inv-1", 1000, T0);
    assertThat(markPaid("inv-1", payment("pi_1", seconds(5)))).isEqualTo(PaymentRecord.PAID);
    invoice(bob, "inv-2", 500, T0);
    assertThat(closeAsRead("inv-2", voided(seconds(5)))).isTrue();
    for (String id : List.of("inv-1", "inv-2")) {
      List<PaymentRecord> told = new ArrayList<>();
      for (int delivery = 0; delivery < 3; delivery++) {
        told.add(markPaid(id, payment("lnbc1late", seconds(6 + delivery))));
      }
      assertThat(told)
          .as(id + ": the first delivery records it and says so, the others record nothing")
          .containsExactly(
              PaymentRecord.SECOND_PAYMENT, PaymentRecord.NOTHING, PaymentRecord.NOTHING);
    }
    assertThat(allEvents())
        .filteredOn(e -> e.type() == dev.caravel.billing.BillingEvent.Type.REFUND_NEEDED)
        .extracting(e -> e.invoiceId().orElseThrow() + ":" + e.reference().orElseThrow())
        .containsExactlyInAnyOrder("inv-1:lnbc1late", "inv-2:lnbc1late");
  }

  // ---- concurrency: many threads on one tenant, exactly-once outcomes ----

  @Test
  @Timeout(180)
  void racingIdenticalAppendsRecordOne() {
    Activity a = fx.create(alice, "r1", T0);
    List<Boolean> results = Race.all(THREADS, i -> engine().record(a));
    assertThat(results.stream().filter(b -> b).count()).isEqualTo(1);
    assertThat(ledger(alice).activities()).containsExactly(a);
    assertThat(repo.tenantPage(null, 10)).containsExactly(alice);
  }

  @Test
  @Timeout(180)
  void racingAppendsToANewTenantAreAllRecorded() {
    List<Activity> activities =
        IntStream.range(0, THREADS).mapToObj(i -> fx.create(alice, "r" + i, T0)).toList();
    Race.all(THREADS, i -> engine().record(activities.get(i)));
    TenantLedger ledger = ledger(alice);
    assertThat(ledger.activities()).containsExactlyInAnyOrderElementsOf(activities);
    assertThat(ledger.anchor()).contains(T0);
    assertThat(repo.tenantPage(null, 10)).containsExactly(alice);
  }

  @Test
  @Timeout(180)
  void racingConflictingAppendsRecordOne() {
    List<Race.Outcome<Boolean>> outcomes =
        Race.run(
            THREADS, i -> engine().record(Activity.create("same-id", alice, "r" + i, "basic", T0)));
    assertThat(outcomes.stream().filter(o -> !o.failed()).toList())
        .singleElement()
        .satisfies(o -> assertThat(o.value()).isTrue());
    assertThat(
            outcomes.stream()
                .filter(Race.Outcome::failed)
                .map(o -> ((ActivityRejectedException) o.error()).reason()))
        .hasSize(THREADS - 1)
        .containsOnly(Reason.CONFLICTING_ID);
    assertThat(ledger(alice).activities()).hasSize(1);
  }

  @Test
  @Timeout(180)
  void racingCreatesOfOneRelayRecordOne() {
    List<Race.Outcome<Boolean>> outcomes =
        Race.run(THREADS, i -> engine().record(fx.create(alice, "r1", T0)));
    assertThat(outcomes.stream().filter(o -> !o.failed()).count()).isEqualTo(1);
    assertThat(
            outcomes.stream()
                .filter(Race.Outcome::failed)
                .map(o -> ((ActivityRejectedException) o.error()).reason()))
        .containsOnly(Reason.RELAY_EXISTS);
    assertThat(ledger(alice).activities()).hasSize(1);
  }

  @Test
  @Timeout(180)
  void racingReconciliationsBillEachActivityOnce() {
    List<Reconciliation> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(reconciled(append(fx.create(alice, "r" + i, seconds(i))), 100 + i));
    }
    List<Integer> applied =
        Race.all(
            THREADS,
            i -> {
              List<Reconciliation> mine = new ArrayList<>(all);
              Collections.shuffle(mine, new Random(i));
              return repo.recordReconciliations(mine.subList(0, 10 + i % 11), OptionalLong.empty());
            });
    int rest = repo.recordReconciliations(all, OptionalLong.empty());

    assertThat(applied.stream().mapToInt(Integer::intValue).sum() + rest).isEqualTo(20);
    assertThat(repo.items(alice)).hasSize(20);
    assertThat(sum(repo.items(alice))).isEqualTo(20 * 100 + 190);
    assertThat(ledger(alice).billedActivityIds()).hasSize(20);
  }

  @Test
  @Timeout(180)
  void racingRenewalsRenewEachPeriodOnce() {
    append(fx.create(alice, "r1", T0));
    append(fx.create(alice, "r2", T0));
    List<Renewal> periods =
        List.of(
            renewal(alice, 1, days(28), 2, 500, "r1", "r2"),
            renewal(alice, 2, days(59), 2, 500, "r1", "r2"),
            renewal(alice, 3, days(89), 2, 500, "r1", "r2"));

    List<Integer> applied =
        Race.all(
            THREADS,
            i ->
                i % 2 == 0
                    ? repo.applyRenewals(periods, OptionalLong.empty())
                    : repo.applyRenewals(List.of(periods.get(i % 3)), OptionalLong.empty()));

    // every even contender applies whatever is missing, in order: each period exactly once overall
    assertThat(applied.stream().mapToInt(Integer::intValue).sum()).isEqualTo(3);
    assertThat(repo.applyRenewals(periods, OptionalLong.empty())).isZero();
    assertThat(ledger(alice).renewedThrough()).isEqualTo(3);
    assertThat(repo.items(alice)).hasSize(6);
    assertThat(repo.items(alice).stream().map(InvoiceItem::id).distinct()).hasSize(6);
  }

  @Test
  @Timeout(180)
  void racingRenewalsOfOnePeriodApplyOnce() {
    append(fx.create(alice, "r1", T0));
    Renewal r1 = renewal(alice, 1, days(28), 1, 500, "r1");
    List<Integer> applied =
        Race.all(THREADS, i -> repo.applyRenewals(List.of(r1), OptionalLong.empty()));
    assertThat(applied.stream().mapToInt(Integer::intValue).sum()).isEqualTo(1);
    assertThat(repo.items(alice)).hasSize(1);
  }

  @Test
  @Timeout(180)
  void racingClaimsMakeOneInvoice() {
    for (int i = 0; i < 5; i++) {
      charged(alice, "r" + i, seconds(i), 100);
    }
    List<List<Invoice>> created =
        Race.all(THREADS, i -> claimAll(List.of(claim(alice, "inv-" + i, seconds(10)))));
    List<Invoice> invoices = created.stream().flatMap(List::stream).toList();
    assertThat(invoices).singleElement().satisfies(inv -> assertThat(inv.total()).isEqualTo(500));
    assertThat(repo.invoices(alice)).containsExactlyElementsOf(invoices);
    assertThat(repo.invoiceItems(invoices.get(0).id())).hasSize(5);
  }

  @Test
  @Timeout(180)
  void racingClaimsOverManyTenantsInAnyOrderMakeOneInvoiceEach() {
    List<String> tenants = IntStream.range(0, 12).mapToObj(t -> pubkey(7000 + t)).toList();
    for (String tenant : tenants) {
      charged(tenant, "r1", T0, 100);
    }
    List<List<Invoice>> created =
        Race.all(
            THREADS,
            i -> {
              List<String> order = new ArrayList<>(tenants);
              Collections.shuffle(order, new Random(i));
              return claimAll(
                  order.stream()
                      .map(t -> claim(t, "inv-" + i + "-" + t.substring(60), seconds(10)))
                      .toList());
            });
    List<Invoice> invoices = created.stream().flatMap(List::stream).toList();
    assertThat(invoices).hasSize(tenants.size());
    assertThat(invoices.stream().map(Invoice::tenant).collect(Collectors.toSet()))
        .containsExactlyInAnyOrderElementsOf(tenants);
  }

  @Test
  @Timeout(180)
  void claimsRacingWithReconciliationNeverPutAnItemOnTwoInvoices() {
    List<Activity> activities = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      activities.add(append(fx.create(alice, "r" + i, seconds(i))));
    }
    Race.all(
        THREADS,
        i -> {
          if (i % 2 == 0) {
            for (int k = i / 2; k < activities.size(); k += THREADS / 2) {
              repo.recordReconciliations(
                  List.of(reconciled(activities.get(k), 10 + k)), OptionalLong.empty());
            }
          } else {
            for (int k = 0; k < 5; k++) {
              claimAll(List.of(claim(alice, "inv-" + i + "-" + k, seconds(100))));
            }
          }
          return null;
        });
    claimAll(List.of(claim(alice, "inv-last", seconds(100))));

    List<InvoiceItem> items = repo.items(alice);
    assertThat(items).hasSize(40).allSatisfy(item -> assertThat(item.invoiceId()).isPresent());
    long invoiced = 0;
    int onInvoices = 0;
    for (Invoice invoice : repo.invoices(alice)) {
      List<InvoiceItem> lines = repo.invoiceItems(invoice.id());
      assertThat(sum(lines)).isEqualTo(invoice.total());
      invoiced += invoice.total();
      onInvoices += lines.size();
    }
    assertThat(onInvoices).isEqualTo(40);
    assertThat(invoiced).isEqualTo(sum(items));
  }

  @Test
  @Timeout(180)
  void racingLeasesGrantOne() {
    invoice(alice, "inv-1", 1000, T0);
    List<Optional<PaymentLease>> leases =
        Race.all(THREADS, i -> repo.acquireLease("inv-1", "node-" + i, seconds(10), TTL));
    assertThat(leases.stream().filter(Optional::isPresent).count()).isEqualTo(1);
    assertThat(repo.collectionState("inv-1")).map(CollectionState::rounds).contains(1);
  }

  @Test
  @Timeout(180)
  void racingPaymentsMarkPaidOnce() {
    invoice(alice, "inv-1", 1000, T0);
    List<PaymentRecord> results =
        Race.all(THREADS, i -> markPaid("inv-1", payment("ch_" + i, seconds(10))));
    assertThat(results).filteredOn(r -> r == PaymentRecord.PAID).hasSize(1);
    assertThat(results)
        .as("every other reference is a second payment")
        .filteredOn(r -> r == PaymentRecord.SECOND_PAYMENT)
        .hasSize(THREADS - 1);
    int winner = results.indexOf(PaymentRecord.PAID);
    assertThat(repo.findInvoice("inv-1").orElseThrow().payment())
        .contains(payment("ch_" + winner, seconds(10)));
  }

  @Test
  @Timeout(180)
  void racingBolt11InstallsAgreeOnOne() {
    invoice(alice, "inv-1", 1000, T0);
    List<Bolt11Request> results =
        Race.all(
            THREADS,
            i -> repo.replaceBolt11(bolt11("inv-1", "lnbc1n" + i, seconds(1)), Optional.empty()));
    Bolt11Request current = repo.findBolt11("inv-1").orElseThrow();
    assertThat(results).containsOnly(current);

    List<Bolt11Request> replaced =
        Race.all(
            THREADS,
            i ->
                repo.replaceBolt11(
                    bolt11("inv-1", "lnbc1m" + i, seconds(3700)), Optional.of(current.bolt11())));
    Bolt11Request next = repo.findBolt11("inv-1").orElseThrow();
    assertThat(next).isNotEqualTo(current);
    assertThat(replaced).containsOnly(next);
  }

  @Test
  @Timeout(180)
  void aWholeCycleRacedByManyInstancesHappensOnce() {
    // Each contender does what an engine instance does for one tenant: append, reconcile, renew,
    // claim, then collect. Every step must happen exactly once, whoever wins each race.
    Activity created = fx.create(alice, "r1", T0);
    Activity changed = fx.update(alice, "r1", "pro", seconds(100));
    Race.all(
        THREADS,
        i -> {
          Fixture.appendAsRead(repo, created);
          Fixture.appendAsRead(repo, changed);
          repo.recordReconciliations(
              List.of(reconciled(created, 1000), reconciled(changed, 250)), OptionalLong.empty());
          repo.applyRenewals(
              List.of(renewal(alice, 1, days(28), 2, 1500, "r1")), OptionalLong.empty());
          claimAll(List.of(claim(alice, "inv-" + i, days(28))));
          for (Invoice invoice : repo.invoices(alice)) {
            repo.acquireLease(invoice.id(), "node-" + i, days(28), TTL)
                .ifPresent(
                    lease -> {
                      markPaid(invoice.id(), payment("ch-" + i, days(28)));
                      endFinished(lease, Optional.empty());
                    });
          }
          return null;
        });

    assertThat(ledger(alice).activities()).containsExactly(created, changed);
    assertThat(repo.items(alice))
        .extracting(InvoiceItem::amount)
        .containsExactly(1000L, 250L, 1500L);
    List<Invoice> invoices = repo.invoices(alice);
    assertThat(invoices).extracting(Invoice::total).containsExactly(2750L);
    assertThat(invoices.get(0).isPaid()).isTrue();
    assertThat(repo.collectionState(invoices.get(0).id())).map(CollectionState::rounds).contains(1);
  }

  // ---- card charges of a round ----

  @Test
  void aRoundsCardIsNotedOnceAndFoundAgain() {
    invoice(alice, "inv-1", 1000, T0);
    dev.caravel.billing.spi.CardCharge first =
        new dev.caravel.billing.spi.CardCharge("inv-1", 1, "pm_old", seconds(10));
    assertThat(repo.findCardCharge("inv-1", 1)).isEmpty();
    assertThat(repo.noteCardCharge(first)).isEqualTo(first);
    // A resumed round asking again with the customer's new default gets the card it sent first.
    assertThat(
            repo.noteCardCharge(
                new dev.caravel.billing.spi.CardCharge("inv-1", 1, "pm_new", seconds(20))))
        .isEqualTo(first);
    assertThat(repo.findCardCharge("inv-1", 1)).contains(first);
    dev.caravel.billing.spi.CardCharge next =
        new dev.caravel.billing.spi.CardCharge("inv-1", 2, "pm_new", seconds(30));
    assertThat(repo.noteCardCharge(next)).isEqualTo(next);
    assertThat(repo.findCardCharge("inv-1", 2)).contains(next);
    assertThat(repo.findCardCharge("inv-2", 1)).isEmpty();
  }

  @Test
  void aCardChargeForAnUnknownInvoiceIsRefused() {
    assertThatThrownBy(
            () ->
                repo.noteCardCharge(
                    new dev.caravel.billing.spi.CardCharge("nope", 1, "pm_1", seconds(1))))
        .isInstanceOfAny(
            dev.caravel.billing.InvalidInputException.class,
            dev.caravel.billing.spi.StorageException.class);
    assertThat(repo.findCardCharge("nope", 1)).isEmpty();
  }

  @Test
  @Timeout(180)
  void racingCardNotesAgreeOnOne() {
    invoice(alice, "inv-1", 1000, T0);
    List<dev.caravel.billing.spi.CardCharge> results =
        Race.all(
            THREADS,
            i ->
                repo.noteCardCharge(
                    new dev.caravel.billing.spi.CardCharge("inv-1", 1, "pm_" + i, seconds(10))));
    assertThat(results.stream().distinct()).hasSize(1);
    assertThat(repo.findCardCharge("inv-1", 1)).contains(results.get(0));
  }

  // ---- the catalogue's history (S15) ----

  private static final PlanCatalogue SEED =
      PlanCatalogue.of(new Plan("basic", "Basic", 500), new Plan("pro", "Pro", 2000));

  private static Version price(String plan, long amount, Instant effective) {
    return new Version(plan, plan.equals("pro") ? "Pro" : "Basic", amount, effective, false, false);
  }

  @Test
  void anUnseededRepositoryHoldsNoCatalogue() {
    assertThat(repo.catalogue()).isEmpty();
  }

  @Test
  void seedingStoresTheSeedOnceAndIsIdempotent() {
    assertThat(repo.seedCatalogue(SEED)).isEqualTo(SEED);
    assertThat(repo.seedCatalogue(SEED)).isEqualTo(SEED);
    assertThat(repo.catalogue()).contains(SEED);
  }

  @Test
  void seedingNeverTouchesAStoredPlanButAddsNewOnes() {
    repo.seedCatalogue(SEED);
    PlanCatalogue other =
        PlanCatalogue.of(new Plan("basic", "Basic", 999), new Plan("team", "Team", 5000));
    PlanCatalogue stored = repo.seedCatalogue(other);
    assertThat(stored.history("basic")).containsExactlyElementsOf(SEED.history("basic"));
    assertThat(stored.history("pro")).containsExactlyElementsOf(SEED.history("pro"));
    assertThat(stored.history("team")).containsExactlyElementsOf(other.history("team"));
  }

  /** S19: a plan's interval is stored with each of its versions and read back as seeded. */
  @Test
  void aPlansIntervalIsStoredWithItsVersions() {
    PlanCatalogue seed =
        PlanCatalogue.withHistory(
            "usd",
            List.of(
                new Version("yearly", "Yearly", 5000, T0, false, false, 12),
                new Version("yearly", "Yearly", 6000, days(40), false, true, 12),
                new Version("quarterly", "Quarterly", 1400, T0, false, false, 3)));
    assertThat(repo.seedCatalogue(seed)).isEqualTo(seed);
    PlanCatalogue stored = repo.catalogue().orElseThrow();
    assertThat(stored).isEqualTo(seed);
    assertThat(stored.find("yearly").orElseThrow().intervalMonths()).isEqualTo(12);
    assertThat(stored.find("quarterly").orElseThrow().intervalMonths()).isEqualTo(3);
  }

  @Test
  void aSeedInAnotherCurrencyStoresNothing() {
    repo.seedCatalogue(SEED);
    PlanCatalogue eur = PlanCatalogue.of("eur", List.of(new Plan("team", "Team", 5000)));
    PlanCatalogue stored = repo.seedCatalogue(eur);
    assertThat(stored).isEqualTo(SEED);
  }

  @Test
  void aSeededPriceHistoryIsKeptWhole() {
    PlanCatalogue seed =
        PlanCatalogue.withHistory(
            "usd", List.of(price("basic", 700, days(40)), price("basic", 500, T0)));
    assertThat(repo.seedCatalogue(seed).history("basic"))
        .containsExactly(price("basic", 500, T0), price("basic", 700, days(40)));
  }

  @Test
  void aPlanVersionIsAddedOnceAndReadBackByEveryone() {
    repo.seedCatalogue(SEED);
    Version change = new Version("basic", "Basic", 700, days(10), false, true);
    assertThat(changer().changePrice("basic", 700, days(10), true)).isTrue();
    assertThat(changer().changePrice("basic", 700, days(10), true)).isFalse();
    assertThat(repo.catalogue().orElseThrow().history("basic"))
        .containsExactly(SEED.history("basic").get(0), change);
    assertThat(repo.catalogue().orElseThrow().versionAt("basic", days(10))).contains(change);
  }

  /**
   * The engine's rule that a retirement is final (issue 21, defect 7) reads every version's flags
   * in effective order, whatever order they were added in: a retirement added before an existing
   * later version keeps both, each with its own flags.
   */
  @Test
  void aRetirementAddedBeforeALaterVersionIsReadBackWithEveryFlag() {
    repo.seedCatalogue(SEED);
    Version later = price("basic", 800, days(100));
    Version retirement = new Version("basic", "Basic", 500, days(50), true, true);
    assertThat(addVersion(later)).isTrue();
    assertThat(addVersion(retirement)).isTrue();
    PlanCatalogue stored = repo.catalogue().orElseThrow();
    assertThat(stored.history("basic"))
        .containsExactly(SEED.history("basic").get(0), retirement, later);
    assertThat(stored.retiredSince("basic", days(100))).contains(days(50));
    assertThat(stored.retiredSince("basic", days(49))).isEmpty();
  }

  @Test
  void aVersionForAnUnknownPlanIsRefused() {
    repo.seedCatalogue(SEED);
    assertThatThrownBy(() -> changer().changePrice("gold", 700, days(10)))
        .isInstanceOfSatisfying(
            ChangeRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ChangeRejectedException.Reason.UNKNOWN_PLAN));
  }

  @Test
  void anotherVersionAtTheSameInstantIsRefused() {
    repo.seedCatalogue(SEED);
    changer().changePrice("basic", 700, days(10));
    assertThatThrownBy(() -> changer().changePrice("basic", 800, days(10)))
        .isInstanceOfSatisfying(
            ChangeRejectedException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(ChangeRejectedException.Reason.CONFLICTING_CHANGE));
    assertThat(repo.catalogue().orElseThrow().versionAt("basic", days(10)).orElseThrow().amount())
        .isEqualTo(700);
  }

  @Test
  void aVersionAtOrBeforeARecordedActivityIsRefused() {
    repo.seedCatalogue(SEED);
    append(fx.create(alice, "r1", days(5)));
    for (Instant at : List.of(days(5), days(4))) {
      assertThatThrownBy(() -> changer().changePrice("basic", 700, at))
          .isInstanceOfSatisfying(
              ChangeRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(ChangeRejectedException.Reason.ALREADY_BILLED));
    }
    assertThat(changer().changePrice("basic", 700, days(5).plusSeconds(1))).isTrue();
  }

  @Test
  void aVersionAtOrBeforeARenewedPeriodStartIsRefused() {
    repo.seedCatalogue(SEED);
    Activity a = append(fx.create(alice, "r1", T0));
    Instant p1 = Instant.parse("2026-02-28T10:00:00Z");
    assertThat(
            repo.applyRenewals(List.of(renewal(alice, 1, p1, 1, 500, "r1")), OptionalLong.empty()))
        .isEqualTo(1);
    assertThatThrownBy(() -> changer().changePrice("pro", 2500, p1))
        .isInstanceOfSatisfying(
            ChangeRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ChangeRejectedException.Reason.ALREADY_BILLED));
    assertThat(changer().changePrice("pro", 2500, p1.plusSeconds(1))).isTrue();
    assertThat(a).isNotNull();
  }

  @Test
  void aVersionIsAddedOnlyFromTheCatalogueVersionAndBilledThroughRead() {
    repo.seedCatalogue(SEED);
    long read = repo.catalogueVersion().orElseThrow();
    assertThat(repo.billedThrough()).isEmpty();
    Version change = price("basic", 700, days(10));
    assertThat(addVersion(price("pro", 2500, days(20)))).isTrue();
    assertThat(repo.addPlanVersion(change, read, Optional.empty()))
        .as("the catalogue moved since the read")
        .isFalse();
    long fresh = repo.catalogueVersion().orElseThrow();
    append(fx.create(alice, "r1", days(1)));
    assertThat(repo.addPlanVersion(change, fresh, Optional.empty()))
        .as("the ledger was billed further since the read")
        .isFalse();
    assertThat(repo.catalogue().orElseThrow().history("basic")).doesNotContain(change);
    assertThat(repo.addPlanVersion(change, fresh, Optional.of(days(1)))).isTrue();
    assertThat(repo.catalogue().orElseThrow().history("basic")).contains(change);
  }

  @Test
  void billedThroughIsTheLatestActivityOrRenewedStartOfAnyTenant() {
    assertThat(repo.billedThrough()).isEmpty();
    append(fx.create(alice, "r1", T0));
    append(fx.create(bob, "r1", days(3)));
    assertThat(repo.billedThrough()).contains(days(3));
    Instant p1 = Instant.parse("2026-02-28T10:00:00Z");
    assertThat(
            repo.applyRenewals(List.of(renewal(alice, 1, p1, 1, 500, "r1")), OptionalLong.empty()))
        .isEqualTo(1);
    assertThat(repo.billedThrough()).contains(p1);
  }

  @Test
  @Timeout(60)
  void racingVersionsFromOneReadAddOne() {
    repo.seedCatalogue(SEED);
    long read = repo.catalogueVersion().orElseThrow();
    List<Boolean> added =
        Race.all(
            THREADS,
            i -> repo.addPlanVersion(price("pro", 2000 + i, days(10 + i)), read, Optional.empty()));
    assertThat(added).containsOnlyOnce(true);
    assertThat(repo.catalogue().orElseThrow().history("pro")).hasSize(2);
  }

  @Test
  @Timeout(60)
  void instancesChangingPricesAtOnceAgreeOnOneHistory() {
    repo.seedCatalogue(SEED);
    // Half the contenders make the same change, the others one change each: every identical
    // change is stored once, and every instance reads the same history afterwards.
    List<Boolean> added =
        Race.all(
            THREADS,
            i ->
                i % 2 == 0
                    ? changer().changePrice("basic", 700, days(10))
                    : changer().changePrice("pro", 2000 + i, days(10 + i)));
    assertThat(added.stream().filter(b -> b).count()).isEqualTo(1 + THREADS / 2);
    List<PlanCatalogue> seen = Race.all(4, i -> repo.catalogue().orElseThrow());
    assertThat(seen).allSatisfy(c -> assertThat(c).isEqualTo(seen.get(0)));
    assertThat(seen.get(0).history("basic")).hasSize(2);
    assertThat(seen.get(0).history("pro")).hasSize(1 + THREADS / 2);
  }

  @Test
  @Timeout(60)
  void instancesSeedingAtOnceStoreOneHistory() {
    List<PlanCatalogue> stored =
        Race.all(
            THREADS,
            i ->
                repo.seedCatalogue(
                    PlanCatalogue.of(
                        new Plan("basic", "Basic", 500), new Plan("p" + (i % 2), "P", 100 + i))));
    PlanCatalogue last = repo.catalogue().orElseThrow();
    assertThat(last.history("basic")).hasSize(1);
    assertThat(last.history("p0")).hasSize(1);
    assertThat(last.history("p1")).hasSize(1);
    assertThat(stored).allSatisfy(c -> assertThat(c.history("basic")).hasSize(1));
  }

  // ---- due tracking and snapshots (S17) ----

  private List<String> takeDue(Instant now) {
    return repo.takeDueTenants("node-a", "cycle-1", now, TTL, 100);
  }

  private static Renewal withSnapshot(Renewal r, List<RelaySnapshot> snapshot) {
    return new Renewal(
        r.tenant(), r.period(), r.periodStart(), r.logSize(), r.items(), Optional.of(snapshot));
  }

  private static RelaySnapshot activeOnPlan(String relay, Instant since) {
    return new RelaySnapshot(relay, true, Optional.of(Fixture.PLAN), Optional.of(since));
  }

  @Test
  void aRepositoryWithNoActivityHasNobodyDue() {
    assertThat(takeDue(days(400))).isEmpty();
    repo.saveTenant(Tenant.of(alice)); // payment details are no work
    assertThat(takeDue(days(400))).isEmpty();
  }

  @Test
  void anAppendMakesItsTenantDueAndATakeHoldsItUntilItLapses() {
    append(fx.create(alice, "r1", T0));
    assertThat(takeDue(T0)).containsExactly(alice);
    assertThat(takeDue(T0)).as("taken").isEmpty();
    assertThat(takeDue(T0.plus(TTL).minusSeconds(1))).as("still taken").isEmpty();
    assertThat(takeDue(T0.plus(TTL))).as("lapsed").containsExactly(alice);
  }

  @Test
  void aLaterCycleOfTheSameInstanceTakesItsTenantsAgain() {
    // A cycle whose page failed, or whose take's answer was lost, is run again by its host.
    append(fx.create(alice, "r1", T0));
    assertThat(takeDue(T0)).containsExactly(alice);
    assertThat(repo.takeDueTenants("node-b", "cycle-9", T0, TTL, 10)).as("another's").isEmpty();
    assertThat(repo.takeDueTenants("node-a", "cycle-2", T0, TTL, 10)).containsExactly(alice);
    assertThat(repo.takeDueTenants("node-a", "cycle-2", T0, TTL, 10)).as("same cycle").isEmpty();
  }

  @Test
  void anAppendEndsATakeOfItsTenant() {
    append(fx.create(alice, "r1", T0));
    assertThat(takeDue(T0)).containsExactly(alice);
    append(fx.update(alice, "r1", "pro", seconds(10)));
    assertThat(takeDue(seconds(10))).containsExactly(alice);
  }

  @Test
  void aClaimMovesTheTenantToTheEndOfTheClaimedPeriod() {
    charged(alice, "r1", T0, 500);
    charged(bob, "r1", T0, 500);
    assertThat(takeDue(T0)).containsExactlyInAnyOrder(alice, bob);
    // Fixture claims are for [now, now + 30 days); alice's period 0 starts at its anchor, T0.
    claimAll(List.of(claim(alice, "inv-1", T0)));
    assertThat(takeDue(days(30).minusSeconds(1))).as("bob's take lapsed").containsExactly(bob);
    assertThat(takeDue(days(30))).containsExactly(alice);
  }

  @Test
  void aClaimWithNothingOwedStillFilesTheNextDueInstant() {
    Activity a = append(fx.create(alice, "r1", T0));
    repo.recordReconciliations(List.of(reconciled(a, 0)), OptionalLong.empty());
    assertThat(claimAll(List.of(claim(alice, "inv-1", T0)))).isEmpty();
    assertThat(takeDue(days(29))).isEmpty();
    assertThat(takeDue(days(30))).containsExactly(alice);
  }

  @Test
  void aClaimLeavesATenantWithUnbilledActivityDue() {
    charged(alice, "r1", T0, 500);
    append(fx.create(alice, "r2", seconds(5)));
    claimAll(List.of(claim(alice, "inv-1", T0)));
    assertThat(takeDue(seconds(5))).containsExactly(alice);
  }

  @Test
  void aClaimBehindOnItsRenewalsLeavesTheTenantDue() {
    charged(alice, "r1", T0, 500);
    // The claim is for a period that does not follow the last renewed one: renewals are missing.
    claimAll(List.of(claim(alice, "inv-1", days(40))));
    assertThat(takeDue(days(40))).containsExactly(alice);
  }

  @Test
  void itemsWrittenAfterAClaimMakeTheTenantDueAgain() {
    charged(alice, "r1", T0, 500);
    claimAll(List.of(claim(alice, "inv-1", T0)));
    assertThat(takeDue(days(28))).isEmpty();
    assertThat(
            repo.applyRenewals(
                List.of(renewal(alice, 1, days(28), 1, 500, "r1")), OptionalLong.empty()))
        .isEqualTo(1);
    assertThat(takeDue(days(28))).containsExactly(alice);
  }

  @Test
  void aTakeIsBoundedAndOrderedByDueInstant() {
    for (int i = 1; i <= 5; i++) {
      append(fx.create(pubkey(i), "r1", T0));
    }
    assertThat(repo.takeDueTenants("node-a", "cycle-1", T0, TTL, 2)).hasSize(2);
    assertThat(repo.takeDueTenants("node-a", "cycle-1", T0, TTL, 10)).hasSize(3);
    assertThat(takeDue(T0)).isEmpty();
  }

  @Test
  @Timeout(180)
  void racingTakesNeverHandOutATenantTwice() {
    List<String> all = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      all.add(pubkey(i));
      append(fx.create(pubkey(i), "r1", T0));
    }
    List<List<String>> taken =
        Race.all(THREADS, i -> repo.takeDueTenants("node-" + i, "cycle", T0, TTL, 3));
    List<String> flat = new ArrayList<>();
    taken.forEach(flat::addAll);
    // a taker may skip rows another one holds, so what is left is taken afterwards
    flat.addAll(takeDue(T0));
    assertThat(flat).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(all);
  }

  @Test
  void aRenewalWithASnapshotLeavesOnlyTheTailToRead() {
    charged(alice, "r1", T0, 500);
    RelaySnapshot r1 = activeOnPlan("r1", T0);
    assertThat(
            repo.applyRenewals(
                List.of(withSnapshot(renewal(alice, 1, days(28), 1, 500, "r1"), List.of(r1))),
                OptionalLong.empty()))
        .isEqualTo(1);
    TenantLedger ledger = ledger(alice);
    assertThat(ledger.renewedThrough()).isEqualTo(1);
    assertThat(ledger.snapshotPeriod()).isEqualTo(1);
    assertThat(ledger.snapshot()).containsExactly(r1);
    assertThat(ledger.activities()).isEmpty();
    assertThat(ledger.billedActivityIds()).isEmpty();
    assertThat(ledger.activityCount()).isEqualTo(1);
    // An activity at the snapshot point itself is after it: folds start strictly before a start.
    Activity atPoint = append(fx.update(alice, "r1", "pro", days(28)));
    Activity later = append(fx.create(alice, "r2", days(29)));
    ledger = ledger(alice);
    assertThat(ledger.activities()).containsExactly(atPoint, later);
    assertThat(ledger.activityCount()).isEqualTo(3);
    assertThat(ledger.snapshot()).containsExactly(r1);
    // A renewal guarded by the whole log's size, not the tail's.
    assertThat(
            repo.applyRenewals(
                List.of(renewal(alice, 2, days(59), 2, 500, "r1")), OptionalLong.empty()))
        .isZero();
    assertThat(
            repo.applyRenewals(
                List.of(renewal(alice, 2, days(59), 3, 500, "r1")), OptionalLong.empty()))
        .isEqualTo(1);
    assertThat(ledger(alice).snapshotPeriod()).as("no snapshot given: it stays").isEqualTo(1);
  }

  @Test
  void aSnapshotKeepsTheChangeScheduledForTheRelaysTermEndAndAnotherSnapshotReplacesIt() {
    charged(alice, "r1", T0, 500);
    charged(alice, "r2", T0, 500);
    // S22: the two activity types are recorded and read back like the others.
    Activity scheduled = append(Activity.scheduleChange(fx.nextId(), alice, "r1", "pro", days(20)));
    Activity cancelled = append(Activity.cancelChange(fx.nextId(), alice, "r2", days(21)));
    assertThat(repo.findActivity(scheduled.id())).contains(scheduled);
    assertThat(repo.findActivity(cancelled.id())).contains(cancelled);
    assertThat(ledger(alice).activities()).endsWith(scheduled, cancelled);
    assertThat(
            repo.recordReconciliations(
                List.of(reconciled(scheduled, 0), reconciled(cancelled, 0)), OptionalLong.empty()))
        .isEqualTo(2);
    RelaySnapshot.ScheduledChange toPro = new RelaySnapshot.ScheduledChange("pro", days(59));
    RelaySnapshot r1 =
        new RelaySnapshot(
            "r1", true, Optional.of(Fixture.PLAN), Optional.of(T0), Optional.of(toPro));
    RelaySnapshot r2 = activeOnPlan("r2", T0);
    assertThat(
            repo.applyRenewals(
                List.of(
                    withSnapshot(renewal(alice, 1, days(28), 4, 500, "r1", "r2"), List.of(r1, r2))),
                OptionalLong.empty()))
        .isEqualTo(1);
    TenantLedger ledger = ledger(alice);
    assertThat(ledger.snapshot()).containsExactly(r1, r2);
    assertThat(ledger.activities()).isEmpty();
    // The change took effect at the next snapshot point: the new snapshot holds none.
    RelaySnapshot onPro =
        new RelaySnapshot("r1", true, Optional.of("pro"), Optional.of(days(59)), Optional.empty());
    assertThat(
            repo.applyRenewals(
                List.of(
                    withSnapshot(renewal(alice, 2, days(59), 4, 500, "r2"), List.of(onPro, r2))),
                OptionalLong.empty()))
        .isEqualTo(1);
    assertThat(ledger(alice).snapshot()).containsExactly(onPro, r2);
  }

  @Test
  void aSnapshotNeverAdvancesOverUnbilledActivity() {
    Activity created = append(fx.create(alice, "r1", T0));
    assertThat(
            repo.applyRenewals(
                List.of(
                    withSnapshot(
                        renewal(alice, 1, days(28), 1, 500, "r1"),
                        List.of(activeOnPlan("r1", T0)))),
                OptionalLong.empty()))
        .isEqualTo(1);
    TenantLedger ledger = ledger(alice);
    assertThat(ledger.renewedThrough()).isEqualTo(1);
    assertThat(ledger.snapshotPeriod()).isZero();
    assertThat(ledger.activities()).containsExactly(created);
  }

  @Test
  void catchingUpSeveralPeriodsKeepsTheLastSnapshot() {
    charged(alice, "r1", T0, 500);
    Activity off = append(fx.deactivate(alice, "r1", days(10)));
    repo.recordReconciliations(List.of(reconciled(off, -300)), OptionalLong.empty());
    RelaySnapshot inactive =
        new RelaySnapshot("r1", false, Optional.of(Fixture.PLAN), Optional.of(T0));
    assertThat(
            repo.applyRenewals(
                List.of(
                    withSnapshot(renewal(alice, 1, days(28), 2, 0), List.of(inactive)),
                    withSnapshot(renewal(alice, 2, days(59), 2, 0), List.of(inactive))),
                OptionalLong.empty()))
        .isEqualTo(2);
    TenantLedger ledger = ledger(alice);
    assertThat(ledger.snapshotPeriod()).isEqualTo(2);
    assertThat(ledger.snapshot()).containsExactly(inactive);
    assertThat(ledger.activities()).isEmpty();
  }

  @Test
  @Timeout(180)
  void readsRacingASnapshotSeeOneConsistentLedger() {
    charged(alice, "r1", T0, 500);
    charged(alice, "r2", T0, 500);
    Renewal renewal =
        withSnapshot(
            renewal(alice, 1, days(28), 2, 500, "r1", "r2"),
            List.of(activeOnPlan("r1", T0), activeOnPlan("r2", T0)));
    List<Boolean> consistent =
        Race.all(
            THREADS,
            i -> {
              if (i == 0) {
                repo.applyRenewals(List.of(renewal), OptionalLong.empty());
                return true;
              }
              boolean ok = true;
              for (int n = 0; n < 20; n++) {
                TenantLedger l = ledger(alice);
                ok &=
                    l.snapshotPeriod() == 0
                        ? l.snapshot().isEmpty() && l.activities().size() == 2
                        : l.snapshot().size() == 2 && l.activities().isEmpty();
              }
              return ok;
            });
    assertThat(consistent).containsOnly(true);
    assertThat(ledger(alice).snapshotPeriod()).isEqualTo(1);
  }

  @Test
  void itemsPricedByAnOlderCatalogueAreRefusedWholeAndAppliedWhenPricedAgain() {
    repo.seedCatalogue(SEED);
    OptionalLong old = repo.catalogueVersion();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        old.isPresent(), "this repository does not track a catalogue version");
    Activity a = append(fx.create(alice, "r1", T0));
    // A price change commits after the engine read the catalogue: what it priced is refused.
    assertThat(addVersion(new Version("basic", "Basic", 700, days(40), false, true))).isTrue();
    OptionalLong current = repo.catalogueVersion();
    assertThat(repo.recordReconciliations(List.of(reconciled(a, 500)), old)).isZero();
    assertThat(ledger(alice).billedActivityIds()).isEmpty();
    assertThat(repo.items(alice)).isEmpty();
    assertThat(repo.applyRenewals(List.of(renewal(alice, 1, days(31), 1, 500, "r1")), old))
        .isZero();
    assertThat(ledger(alice).renewedThrough()).isZero();
    // Priced again by the stored catalogue, both apply.
    assertThat(repo.recordReconciliations(List.of(reconciled(a, 500)), current)).isEqualTo(1);
    assertThat(repo.applyRenewals(List.of(renewal(alice, 1, days(31), 1, 500, "r1")), current))
        .isEqualTo(1);
    assertThat(ledger(alice).renewedThrough()).isEqualTo(1);
    assertThat(repo.items(alice)).hasSize(2);
  }

  @Test
  void aPriceChangeRacingAppendsAndReconciliationsNeverLeavesAnItemPricedByTheOldCatalogue() {
    repo.seedCatalogue(SEED);
    org.junit.jupiter.api.Assumptions.assumeTrue(
        repo.catalogueVersion().isPresent(), "this repository does not track a catalogue version");
    // Activities recorded ahead of time, after the change's instant, while the price changes:
    // each racer appends one, then reads the catalogue and prices it as an engine does. The change
    // is refused if it sees an activity after its instant; if it is stored, no item may carry the
    // old price.
    Version change = new Version("basic", "Basic", 700, days(45), false, true);
    List<Activity> activities = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      activities.add(fx.create(Fixture.pubkey(0x7000 + i), "r1", days(50)));
    }
    Race.run(
        17,
        i -> {
          if (i == 16) {
            try {
              return changer().changePrice("basic", 700, days(45), true);
            } catch (PlanCatalogue.ChangeRejectedException e) {
              return e.reason();
            }
          }
          Activity a = activities.get(i);
          Fixture.appendAsRead(repo, a);
          while (true) {
            OptionalLong read = repo.catalogueVersion();
            long price =
                repo.catalogue().orElseThrow().history("basic").contains(change) ? 700 : 500;
            if (repo.recordReconciliations(List.of(reconciled(a, price)), read) == 1) {
              return price;
            }
          }
        });
    boolean stored = repo.catalogue().orElseThrow().history("basic").contains(change);
    for (Activity a : activities) {
      assertThat(repo.items(a.tenant()))
          .extracting(InvoiceItem::amount)
          .containsExactly(stored ? 700L : 500L);
    }
  }

  @Test
  void theCatalogueVersionMovesWithEveryCatalogueWrite() {
    OptionalLong before = repo.catalogueVersion();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        before.isPresent(), "this repository does not track a catalogue version");
    repo.seedCatalogue(SEED);
    OptionalLong seeded = repo.catalogueVersion();
    assertThat(seeded).isNotEqualTo(before);
    assertThat(addVersion(new Version("basic", "Basic", 700, days(10), false, true))).isTrue();
    assertThat(repo.catalogueVersion()).isNotEqualTo(seeded);
  }

  // ---- invoice numbers (issue 14) ----

  private static final dev.caravel.billing.spi.InvoiceNumbering NUMBERED = (n, c) -> "n-" + n;

  private List<Invoice> claimNumbered(String... tenants) {
    List<dev.caravel.billing.spi.Claim> claims = new ArrayList<>();
    for (String t : tenants) {
      claims.add(claim(t, "unused", seconds(100)).claim());
    }
    return repo.claim(claims, NUMBERED);
  }

  @Test
  void numbersAreDrawnFromOneOnlyForInvoicesMade() {
    String carol = pubkey(0xca201);
    charged(alice, "r1", T0, 100);
    charged(carol, "r1", T0, 300);
    Fixture.appendAsRead(repo, fx.create(bob, "r1", T0)); // bob exists but owes nothing
    assertThat(claimNumbered(alice, bob, carol))
        .extracting(Invoice::id)
        .containsExactly("n-1", "n-2");
    charged(bob, "r2", seconds(1), 50);
    assertThat(claimNumbered(alice, bob)).extracting(Invoice::id).containsExactly("n-3");
  }

  @Test
  void aClaimRefusedWholeGivesItsNumbersBack() {
    invoice(alice, "n-3", 100, T0); // draws number 1, named as the test likes
    charged(bob, "r1", T0, 200);
    String carol = pubkey(0xca201);
    charged(carol, "r1", T0, 300);
    assertThatThrownBy(() -> claimNumbered(bob, carol)).isInstanceOf(InvalidInputException.class);
    assertThat(repo.unclaimedItems(bob)).hasSize(1);
    // 2 and 3 were drawn by the refused claim (3 named an invoice already) and given back
    assertThat(claimNumbered(bob)).extracting(Invoice::id).containsExactly("n-2");
  }

  @Test
  @Timeout(120)
  void racingClaimsDrawNumbersWithoutGapOrRepeat() {
    int tenants = THREADS * 2;
    List<String> owing = new ArrayList<>();
    for (int i = 0; i < tenants; i++) {
      String t = pubkey(0x7000 + i);
      if (i % 4 == 3) {
        Fixture.appendAsRead(repo, fx.create(t, "r", T0)); // owes nothing: draws no number
      } else {
        charged(t, "r", T0, 100 + i);
        owing.add(t);
      }
    }
    List<List<Invoice>> made =
        Race.all(
            tenants,
            i -> {
              String t = pubkey(0x7000 + i);
              // every contender claims its own tenant and its neighbour's: claims collide too
              return claimNumbered(t, pubkey(0x7000 + (i + 1) % tenants));
            });
    List<String> ids = made.stream().flatMap(List::stream).map(Invoice::id).toList();
    assertThat(ids).doesNotHaveDuplicates().hasSize(owing.size());
    assertThat(ids.stream().map(id -> Long.parseLong(id.substring(2))).sorted().toList())
        .isEqualTo(IntStream.rangeClosed(1, owing.size()).mapToObj(Long::valueOf).toList());
  }

  // ---- the event feed (issue 14) ----

  private List<dev.caravel.billing.BillingEvent> allEvents() {
    return repo.events(0, 100_000);
  }

  private List<dev.caravel.billing.BillingEvent.Type> eventTypes() {
    return allEvents().stream().map(dev.caravel.billing.BillingEvent::type).toList();
  }

  @Test
  void everyStateChangeAppendsOneEventWithGrowingIds() {
    Invoice inv = invoice(alice, "inv-1", 1000, T0);
    PaymentLease round = repo.acquireLease("inv-1", "a", seconds(1), TTL).orElseThrow();
    endHeld(round, new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_1"), T0);
    markPaid("inv-1", payment("pi_1", seconds(5)));
    markPaid("inv-1", payment("pi_1", seconds(6))); // the same charge seen again: nothing
    var events = allEvents();
    assertThat(events)
        .extracting(dev.caravel.billing.BillingEvent::type)
        .containsExactly(
            dev.caravel.billing.BillingEvent.Type.INVOICE_CREATED,
            dev.caravel.billing.BillingEvent.Type.PAYMENT_PENDING,
            dev.caravel.billing.BillingEvent.Type.PAYMENT_SUCCEEDED);
    assertThat(events).extracting(e -> e.id()).containsExactly(1L, 2L, 3L);
    assertThat(events.get(0))
        .isEqualTo(dev.caravel.billing.BillingEvent.invoiceCreated(inv).withId(1));
    assertThat(events.get(2).reference()).contains("pi_1");
    assertThat(repo.events(1, 1)).extracting(e -> e.id()).containsExactly(2L);
    assertThat(repo.events(3, 10)).isEmpty();
  }

  @Test
  void aSecondPaymentIsReportedOncePerReferenceAndTheSameChargeNever() {
    invoice(alice, "inv-1", 1000, T0);
    assertThat(markPaid("inv-1", payment("pi_1", seconds(5)))).isEqualTo(PaymentRecord.PAID);
    List<PaymentRecord> again =
        Race.all(
            THREADS, i -> markPaid("inv-1", payment(i % 2 == 0 ? "pi_1" : "pi_2", seconds(6))));
    assertThat(again)
        .as("one call records pi_2, and says so; the others record nothing")
        .filteredOn(r -> r == PaymentRecord.SECOND_PAYMENT)
        .hasSize(1);
    assertThat(again).doesNotContain(PaymentRecord.PAID);
    assertThat(eventTypes())
        .containsExactly(
            dev.caravel.billing.BillingEvent.Type.INVOICE_CREATED,
            dev.caravel.billing.BillingEvent.Type.PAYMENT_SUCCEEDED,
            dev.caravel.billing.BillingEvent.Type.REFUND_NEEDED);
    assertThat(allEvents().get(2).reference()).contains("pi_2");
  }

  @Test
  @Timeout(120)
  void aReaderResumingAfterItsLastIdMissesNoEventOfRacingWriters() throws Exception {
    int writers = THREADS;
    for (int i = 0; i < writers; i++) {
      charged(pubkey(0x8000 + i), "r", T0, 100);
    }
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    List<Long> seen = new ArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              long last = 0;
              while (true) {
                boolean finished = done.get();
                var page = repo.events(last, 7);
                for (var e : page) {
                  seen.add(e.id());
                  last = e.id();
                }
                if (finished && page.isEmpty()) {
                  return;
                }
              }
            });
    reader.start();
    Race.all(
        writers,
        i -> {
          String t = pubkey(0x8000 + i);
          for (int k = 0; k < 5; k++) {
            adjust(InvoiceItem.forAdjustment(t, 10 + k, "r", t + "-" + k, T0));
          }
          return claimNumbered(t);
        });
    done.set(true);
    reader.join(60_000);
    assertThat(reader.isAlive()).isFalse();
    List<Long> all = allEvents().stream().map(e -> e.id()).toList();
    assertThat(all).hasSize(writers * 6).isSorted().doesNotHaveDuplicates();
    assertThat(seen).as("what the resuming reader saw").isEqualTo(all);
  }

  // ---- adjustments (issue 14) ----

  /**
   * Records an adjustment as the engine does, with the event it builds; true if this call inserted
   * it (the storage judges nothing: a taken id answers what is stored).
   */
  private boolean adjust(InvoiceItem adjustment, boolean anchorIfUnset) {
    return repo.recordAdjustment(
            adjustment, dev.caravel.billing.BillingEvent.adjusted(adjustment), anchorIfUnset)
        instanceof dev.caravel.billing.spi.AdjustmentWrite.Recorded;
  }

  private boolean adjust(InvoiceItem adjustment) {
    return adjust(adjustment, false);
  }

  @Test
  void anAdjustmentIsInsertedIfAbsentAndATakenIdAnswersTheStoredItem() {
    Fixture.appendAsRead(repo, fx.create(alice, "r1", T0));
    InvoiceItem credit = InvoiceItem.forAdjustment(alice, -300, "a month free", "k1", seconds(5));
    dev.caravel.billing.BillingEvent event = dev.caravel.billing.BillingEvent.adjusted(credit);
    assertThat(repo.recordAdjustment(credit, event, false))
        .isEqualTo(new dev.caravel.billing.spi.AdjustmentWrite.Recorded());
    // Same id, other content: the storage does not judge, it answers what it holds.
    InvoiceItem other = InvoiceItem.forAdjustment(alice, 999, "other", "k1", seconds(9));
    assertThat(repo.recordAdjustment(other, dev.caravel.billing.BillingEvent.adjusted(other), true))
        .isEqualTo(new dev.caravel.billing.spi.AdjustmentWrite.KeyTaken(credit));
    assertThat(repo.unclaimedItems(alice)).containsExactly(credit);
    assertThatThrownBy(() -> adjust(InvoiceItem.forAdjustment(bob, 100, "x", "k2", T0)))
        .as("unknown tenant")
        .isInstanceOf(InvalidInputException.class);
    assertThat(allEvents()).containsExactly(event.withId(1));
  }

  @Test
  void aCreditCarriesOverUntilItemsSumAboveZero() {
    charged(alice, "r1", T0, 500);
    adjust(InvoiceItem.forAdjustment(alice, -800, "goodwill", "k1", seconds(1)));
    assertThat(claimNumbered(alice)).isEmpty();
    adjust(InvoiceItem.forAdjustment(alice, 400, "setup fee", "k2", seconds(2)));
    List<Invoice> made = claimNumbered(alice);
    assertThat(made).singleElement().extracting(Invoice::total).isEqualTo(100L);
    assertThat(repo.invoiceItems(made.get(0).id()))
        .extracting(InvoiceItem::description)
        .containsExactly("New relay created", "goodwill", "setup fee");
  }

  @Test
  @Timeout(60)
  void racingAdjustmentsWithOneKeyRecordOne() {
    Fixture.appendAsRead(repo, fx.create(alice, "r1", T0));
    List<Boolean> recorded =
        Race.all(THREADS, i -> adjust(InvoiceItem.forAdjustment(alice, 250, "fee", "k", T0)));
    assertThat(recorded.stream().filter(b -> b).count()).isEqualTo(1);
    assertThat(repo.unclaimedItems(alice)).hasSize(1);
    assertThat(allEvents()).hasSize(1);
  }

  // ---- a charge anchors a tenant without activity; billing failures; overflow (issue 21) ----

  /** A charge as stored data may hold it: beyond the entry checks, which storages do not make. */
  private static InvoiceItem chargeOfLongMax(String tenant, String key) {
    return new InvoiceItem(
        "adj:" + key,
        tenant,
        InvoiceItem.ADJUSTMENT,
        InvoiceItem.ADJUSTMENT,
        Long.MAX_VALUE,
        "written before the entry checks",
        T0,
        Optional.empty(),
        java.util.OptionalInt.empty(),
        Optional.empty(),
        Optional.of(key));
  }

  @Test
  void anAnchoringChargeSetsAnUnsetAnchorOnceAndMakesTheTenantDue() {
    repo.saveTenant(Tenant.of(alice));
    InvoiceItem fee = InvoiceItem.forAdjustment(alice, 700, "setup fee", "k1", seconds(5));
    assertThat(adjust(fee, true)).isTrue();
    assertThat(ledger(alice).anchor()).contains(seconds(5));
    assertThat(takeDue(seconds(5))).containsExactly(alice);
    // Set once, never moved: not by another anchoring charge, its retry, or a first activity.
    assertThat(adjust(InvoiceItem.forAdjustment(alice, 300, "another fee", "k2", seconds(9)), true))
        .isTrue();
    assertThat(adjust(fee, true)).as("a retry").isFalse();
    append(fx.create(alice, "r1", seconds(20)));
    assertThat(ledger(alice).anchor()).contains(seconds(5));
    // An anchor an activity set stays too.
    append(fx.create(bob, "r1", T0));
    assertThat(adjust(InvoiceItem.forAdjustment(bob, 700, "setup fee", "k3", seconds(30)), true))
        .isTrue();
    assertThat(ledger(bob).anchor()).contains(T0);
    assertThat(eventTypes())
        .containsExactly(
            dev.caravel.billing.BillingEvent.Type.CHARGED,
            dev.caravel.billing.BillingEvent.Type.CHARGED,
            dev.caravel.billing.BillingEvent.Type.CHARGED);
  }

  @Test
  void anActivityBeforeTheAnchorAChargeSetIsOutOfOrder() {
    repo.saveTenant(Tenant.of(alice));
    adjust(InvoiceItem.forAdjustment(alice, 700, "setup fee", "k1", seconds(10)), true);
    assertRejected(fx.create(alice, "r1", seconds(9)), Reason.OUT_OF_ORDER);
    assertThat(ledger(alice).activities()).isEmpty();
    append(fx.create(alice, "r1", seconds(10)));
    assertThat(ledger(alice).activities()).hasSize(1);
  }

  @Test
  void anAdjustmentLeavesATenantWithoutAnchorUnanchoredAndNotDue() {
    repo.saveTenant(Tenant.of(alice));
    assertThat(
            adjust(
                InvoiceItem.forAdjustment(alice, -300, "welcome credit", "k1", seconds(5)), false))
        .isTrue();
    assertThat(adjust(InvoiceItem.forAdjustment(alice, 200, "x", "k2", seconds(6))))
        .as("the one-argument form does not anchor")
        .isTrue();
    assertThat(ledger(alice).anchor()).isEmpty();
    assertThat(takeDue(days(400))).as("no period to claim into").isEmpty();
    // Its first activity anchors it and makes it due; the items waited for it.
    append(fx.create(alice, "r1", seconds(20)));
    assertThat(ledger(alice).anchor()).contains(seconds(20));
    assertThat(takeDue(seconds(20))).containsExactly(alice);
    assertThat(repo.unclaimedItems(alice)).hasSize(2);
  }

  @Test
  @Timeout(60)
  void anAnchoringChargeRacingFirstActivitiesLeavesNoActivityBeforeTheAnchor() {
    repo.saveTenant(Tenant.of(alice));
    Race.all(
        THREADS,
        i -> {
          if (i == THREADS / 2) {
            return adjust(
                InvoiceItem.forAdjustment(alice, 700, "setup fee", "k1", seconds(THREADS / 2)),
                true);
          }
          try {
            return engine().record(fx.create(alice, "r" + i, seconds(i)));
          } catch (ActivityRejectedException e) {
            assertThat(e.reason()).isEqualTo(Reason.OUT_OF_ORDER);
            return false;
          }
        });
    TenantLedger ledger = ledger(alice);
    Instant anchor = ledger.anchor().orElseThrow();
    assertThat(ledger.activities()).allSatisfy(a -> assertThat(a.at()).isAfterOrEqualTo(anchor));
    // The engine bills each activity it recorded; the charge is there once.
    assertThat(repo.unclaimedItems(alice))
        .filteredOn(item -> item.adjustmentKey().isPresent())
        .hasSize(1);
  }

  @Test
  void aBillingFailureIsRecordedWithItsEventAndDefersTheTenant() {
    append(fx.create(alice, "r1", T0));
    assertThat(takeDue(T0)).containsExactly(alice);
    dev.caravel.billing.BillingEvent failure =
        dev.caravel.billing.BillingEvent.billingFailed(
            alice, "InvalidInputException: owes more than a long holds", seconds(1));
    repo.recordBillingFailure(failure, days(1));
    assertThat(allEvents()).containsExactly(failure.withId(1));
    assertThat(takeDue(days(1).minusSeconds(1))).as("deferred").isEmpty();
    assertThat(repo.takeDueTenants("node-a", "cycle-2", days(1), TTL, 100))
        .as("due again then")
        .containsExactly(alice);
    // An append meanwhile makes it due at once, as ever.
    repo.recordBillingFailure(failure, days(5));
    append(fx.update(alice, "r1", "pro", days(2)));
    assertThat(repo.takeDueTenants("node-a", "cycle-3", days(2), TTL, 100)).containsExactly(alice);
    // An unknown tenant: the event only.
    repo.recordBillingFailure(
        dev.caravel.billing.BillingEvent.billingFailed(bob, "x", seconds(2)), days(1));
    assertThat(eventTypes())
        .containsOnly(dev.caravel.billing.BillingEvent.Type.TENANT_BILLING_FAILED)
        .hasSize(3);
    assertThat(repo.ledgers(List.of(bob))).isEmpty();
  }

  @Test
  void itemsSummingBeyondALongAreReadExactlyAndLeftToTheEngine() {
    charged(alice, "r1", T0, 500);
    assertThat(adjust(chargeOfLongMax(alice, "k1"))).isTrue();
    charged(bob, "r1", T0, 500);
    // Whether such a sum can be an invoice is the engine's to judge (it fails that tenant alone):
    // the storage reads it exactly, never wrapped around.
    assertThat(repo.unclaimedTotals(List.of(alice)))
        .singleElement()
        .satisfies(
            t ->
                assertThat(t.total())
                    .isEqualTo(
                        java.math.BigInteger.valueOf(Long.MAX_VALUE)
                            .add(java.math.BigInteger.valueOf(500))));
    assertThatThrownBy(() -> claim(alice, "inv-a", T0)).isInstanceOf(InvalidInputException.class);
    assertThat(repo.unclaimedItems(alice)).hasSize(2);
    assertThat(claimAll(List.of(claim(bob, "inv-b", T0))))
        .singleElement()
        .extracting(Invoice::total)
        .isEqualTo(500L);
  }

  // ---- voids and write-offs (issue 14) ----

  private Invoice.Closure voided(Instant at) {
    return new Invoice.Closure(Invoice.Status.VOID, "issued by mistake", at);
  }

  @Test
  void aClosedInvoiceIsNeverCollectedAndItsItemsNeverClaimedAgain() {
    invoice(alice, "inv-1", 1000, T0);
    CollectionState open = repo.collectionState("inv-1").orElseThrow();
    assertThat(closeAsRead("inv-1", voided(seconds(5)))).isTrue();
    assertThat(repo.changeCollection("inv-1", open, closeBy("inv-1", voided(seconds(6)))))
        .as("closed since the read")
        .isFalse();
    assertThat(closeAsRead("inv-1", voided(seconds(6)))).as("closed").isFalse();
    Invoice closed = repo.findInvoice("inv-1").orElseThrow();
    assertThat(closed.status()).isEqualTo(Invoice.Status.VOID);
    assertThat(closed.closure()).contains(voided(seconds(5)));
    assertThat(repo.acquireLease("inv-1", "a", days(30), TTL)).isEmpty();
    assertThat(repo.dueInvoices(days(30), 10)).isEmpty();
    assertThat(rescheduleAsRead("inv-1", Optional.of(days(30)))).isFalse();
    assertThat(claimNumbered(alice)).isEmpty();
    assertThat(repo.invoiceItems("inv-1")).hasSize(1);
    // a payment that arrives anyway is not taken: it needs a refund
    assertThat(markPaid("inv-1", payment("pi_late", days(1))))
        .isEqualTo(PaymentRecord.SECOND_PAYMENT);
    assertThat(repo.findInvoice("inv-1").orElseThrow().isPaid()).isFalse();
    assertThat(eventTypes())
        .containsExactly(
            dev.caravel.billing.BillingEvent.Type.INVOICE_CREATED,
            dev.caravel.billing.BillingEvent.Type.INVOICE_VOIDED,
            dev.caravel.billing.BillingEvent.Type.REFUND_NEEDED);
  }

  @Test
  void aCloseDecidedOnAStaleReadIsNeverRecorded() {
    invoice(alice, "inv-1", 1000, T0);
    CollectionState fresh = repo.collectionState("inv-1").orElseThrow();
    PaymentLease round = repo.acquireLease("inv-1", "a", seconds(1), TTL).orElseThrow();
    assertThat(repo.changeCollection("inv-1", fresh, closeBy("inv-1", voided(seconds(2)))))
        .as("leased since the read")
        .isFalse();
    CollectionState leased = repo.collectionState("inv-1").orElseThrow();
    endLeftOpen(round, seconds(3));
    assertThat(repo.changeCollection("inv-1", leased, closeBy("inv-1", voided(days(1)))))
        .as("its round left open since the read")
        .isFalse();
    round = repo.acquireLease("inv-1", "a", days(1), TTL).orElseThrow();
    CollectionState resumed = repo.collectionState("inv-1").orElseThrow();
    CollectionHold pending = new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_1");
    endHeld(round, pending, days(1));
    assertThat(repo.changeCollection("inv-1", resumed, closeBy("inv-1", voided(days(2)))))
        .as("held since the read")
        .isFalse();
    CollectionState held = repo.collectionState("inv-1").orElseThrow();
    assertThat(rescheduleAsRead("inv-1", Optional.of(days(3)))).isTrue();
    assertThat(repo.changeCollection("inv-1", held, closeBy("inv-1", voided(days(2)))))
        .as("released since the read")
        .isFalse();
    assertThat(repo.findInvoice("inv-1").orElseThrow().isOpen()).isTrue();
    assertThat(
            closeAsRead(
                "inv-1", new Invoice.Closure(Invoice.Status.UNCOLLECTIBLE, "gone", days(2))))
        .as("from the state read now")
        .isTrue();
    assertThat(repo.collectionState("inv-1"))
        .as("never collected again")
        .contains(
            new CollectionState(
                1,
                false,
                Optional.of(seconds(1)),
                Optional.empty(),
                Optional.empty(),
                Optional.empty()));

    invoice(bob, "inv-2", 500, T0);
    CollectionState unpaid = repo.collectionState("inv-2").orElseThrow();
    markPaid("inv-2", payment("pi_2", seconds(5)));
    assertThat(repo.changeCollection("inv-2", unpaid, closeBy("inv-2", voided(seconds(6)))))
        .as("paid since the read")
        .isFalse();
    assertThat(closeAsRead("inv-2", voided(seconds(6)))).as("paid").isFalse();
    assertThat(repo.changeCollection("nope", unpaid, closeBy("inv-2", voided(seconds(6)))))
        .isFalse();
    assertThat(repo.findInvoice("inv-2").orElseThrow().isPaid()).isTrue();
  }

  @Test
  void aCloseAppendsTheEventTheEngineBuilt() {
    invoice(alice, "inv-1", 1000, T0);
    Invoice.Closure closure = voided(seconds(5));
    Invoice invoice = repo.findInvoice("inv-1").orElseThrow();
    dev.caravel.billing.BillingEvent built =
        dev.caravel.billing.BillingEvent.closed(invoice.closedBy(closure));
    assertThat(
            repo.changeCollection(
                "inv-1",
                repo.collectionState("inv-1").orElseThrow(),
                new CollectionChange.Close(closure, built)))
        .isTrue();
    List<dev.caravel.billing.BillingEvent> events = allEvents();
    dev.caravel.billing.BillingEvent appended = events.get(events.size() - 1);
    assertThat(appended).isEqualTo(built.withId(appended.id()));
  }

  @Test
  @Timeout(60)
  void closingRacesLeasingAndPayingWithOneWinner() {
    for (int round = 0; round < 5; round++) {
      String id = "inv-" + round;
      invoice(pubkey(0x9000 + round), id, 1000, T0);
      CollectionState read = repo.collectionState(id).orElseThrow();
      CollectionChange.Close close = closeBy(id, voided(seconds(1)));
      List<String> won =
          Race.all(
              THREADS,
              i ->
                  switch (i % 3) {
                    case 0 -> repo.changeCollection(id, read, close) ? "closed" : "";
                    case 1 ->
                        repo.acquireLease(id, "n" + i, seconds(1), TTL).isPresent() ? "leased" : "";
                    default ->
                        markPaid(id, payment("pi_" + id, seconds(1))) == PaymentRecord.PAID
                            ? "paid"
                            : "";
                  });
      List<String> winners = won.stream().filter(w -> !w.isEmpty()).toList();
      Invoice after = repo.findInvoice(id).orElseThrow();
      assertThat(after.isPaid() && after.isClosed()).isFalse();
      if (after.isClosed()) {
        assertThat(winners).containsExactly("closed");
      } else {
        assertThat(winners).doesNotContain("closed");
      }
    }
  }

  // ---- refunds (issue 14; issue 21: the engine decides, the storage records) ----

  private Payment.Refund refund(
      String key, String invoiceId, String tenant, long amount, Payment.Refund.Via via) {
    return new Payment.Refund(
        key,
        invoiceId,
        tenant,
        amount,
        "asked",
        via,
        switch (via) {
          case CARD -> Payment.Refund.Status.PENDING;
          case BY_HAND -> Payment.Refund.Status.OWED;
          case CREDIT -> Payment.Refund.Status.DONE;
        },
        Optional.empty(),
        seconds(50));
  }

  /**
   * Asks to record {@code refund} as the engine would after reading the invoice's refunds now: with
   * its credit item if it is a credit, and its event unless it is pending.
   */
  private dev.caravel.billing.spi.RefundWrite recordRefund(Payment.Refund refund) {
    return recordRefund(refund, repo.refunds(refund.invoiceId()).size());
  }

  private dev.caravel.billing.spi.RefundWrite recordRefund(Payment.Refund refund, int refundsRead) {
    return repo.recordRefund(
        refund,
        refundsRead,
        refund.via() == Payment.Refund.Via.CREDIT
            ? Optional.of(InvoiceItem.forRefundCredit(refund))
            : Optional.empty(),
        refund.status() == Payment.Refund.Status.PENDING
            ? Optional.empty()
            : Optional.of(dev.caravel.billing.BillingEvent.refund(refund, refund.at())));
  }

  private static final dev.caravel.billing.spi.RefundWrite RECORDED =
      new dev.caravel.billing.spi.RefundWrite.Recorded();

  private static final dev.caravel.billing.spi.RefundWrite MOVED =
      new dev.caravel.billing.spi.RefundWrite.RefundsMoved();

  private static dev.caravel.billing.spi.RefundWrite taken(Payment.Refund stored) {
    return new dev.caravel.billing.spi.RefundWrite.KeyTaken(stored);
  }

  /** Moves the stored refund under {@code key} to {@code status}, decided on a read made now. */
  private boolean move(String key, Payment.Refund.Status status, String reference, Instant at) {
    Payment.Refund read = repo.findRefund(key).orElseThrow();
    Payment.Refund moved = read.withStatus(status, Optional.of(reference));
    return repo.moveRefund(read, moved, dev.caravel.billing.BillingEvent.refund(moved, at));
  }

  private void paidInvoice(String tenant, String id, long total) {
    invoice(tenant, id, total, T0);
    markPaid(id, payment("pi_" + id, seconds(5)));
  }

  @Test
  void aRefundIsRecordedOncePerKeyWithItsCreditAndTheEventGiven() {
    paidInvoice(alice, "inv-1", 1000);
    Payment.Refund card = refund("r1", "inv-1", alice, 400, Payment.Refund.Via.CARD);
    assertThat(recordRefund(card)).isEqualTo(RECORDED);
    assertThat(recordRefund(refund("r1", "inv-1", alice, 999, Payment.Refund.Via.BY_HAND)))
        .as("the key's refund, whatever was asked: the engine compares")
        .isEqualTo(taken(card));
    Payment.Refund credit = refund("r3", "inv-1", alice, 600, Payment.Refund.Via.CREDIT);
    assertThat(recordRefund(credit)).isEqualTo(RECORDED);
    assertThat(repo.unclaimedItems(alice)).containsExactly(InvoiceItem.forRefundCredit(credit));
    assertThat(repo.refunds("inv-1")).containsExactly(card, credit);
    assertThat(repo.findRefund("r1")).contains(card);
    assertThat(repo.findRefund("nope")).isEmpty();
    assertThatThrownBy(
            () -> recordRefund(refund("r4", "nope", alice, 1, Payment.Refund.Via.CREDIT), 0))
        .as("no such invoice")
        .isInstanceOf(InvalidInputException.class);
    assertThat(allEvents().get(allEvents().size() - 1))
        .as("the event given, as given")
        .isEqualTo(dev.caravel.billing.BillingEvent.refund(credit, credit.at()).withId(3));
    assertThat(eventTypes())
        .containsExactly(
            dev.caravel.billing.BillingEvent.Type.INVOICE_CREATED,
            dev.caravel.billing.BillingEvent.Type.PAYMENT_SUCCEEDED,
            dev.caravel.billing.BillingEvent.Type.REFUNDED);
  }

  @Test
  void aRefundWriteLosesWhenAnotherRefundWasRecordedSinceTheRead() {
    paidInvoice(alice, "inv-1", 1000);
    int read = repo.refunds("inv-1").size();
    assertThat(recordRefund(refund("r1", "inv-1", alice, 100, Payment.Refund.Via.BY_HAND), read))
        .isEqualTo(RECORDED);
    Payment.Refund late = refund("r2", "inv-1", alice, 100, Payment.Refund.Via.CREDIT);
    assertThat(recordRefund(late, read)).as("decided on the same read").isEqualTo(MOVED);
    assertThat(repo.findRefund("r2")).as("nothing written").isEmpty();
    assertThat(repo.unclaimedItems(alice)).as("not even its credit").isEmpty();
    // Another invoice's refunds are not this one's.
    paidInvoice(bob, "inv-2", 1000);
    assertThat(recordRefund(refund("r3", "inv-2", bob, 100, Payment.Refund.Via.BY_HAND), 0))
        .isEqualTo(RECORDED);
    // Read again, the same write goes through.
    assertThat(recordRefund(late, 1)).isEqualTo(RECORDED);
    // A refund that moved (failed) is still one of the invoice's refunds: the count is the set.
    Payment.Refund card = refund("r4", "inv-1", alice, 100, Payment.Refund.Via.CARD);
    assertThat(recordRefund(card, 2)).isEqualTo(RECORDED);
    assertThat(move("r4", Payment.Refund.Status.FAILED, "refused", seconds(60))).isTrue();
    assertThat(recordRefund(refund("r5", "inv-1", alice, 1, Payment.Refund.Via.BY_HAND), 2))
        .isEqualTo(MOVED);
    assertThat(recordRefund(refund("r5", "inv-1", alice, 1, Payment.Refund.Via.BY_HAND), 3))
        .isEqualTo(RECORDED);
    // A taken key answers what is stored before any count is compared.
    assertThat(recordRefund(late, 0)).isEqualTo(taken(late));
    assertThat(eventTypes())
        .filteredOn(t -> t.name().startsWith("REFUND"))
        .containsExactly(
            dev.caravel.billing.BillingEvent.Type.REFUND_OWED,
            dev.caravel.billing.BillingEvent.Type.REFUND_OWED,
            dev.caravel.billing.BillingEvent.Type.REFUNDED,
            dev.caravel.billing.BillingEvent.Type.REFUND_FAILED,
            dev.caravel.billing.BillingEvent.Type.REFUND_OWED);
  }

  @Test
  @Timeout(60)
  void racingRefundWritesDecidedOnOneReadRecordExactlyOne() {
    paidInvoice(alice, "inv-1", 1000);
    for (int round = 0; round < 4; round++) {
      int read = repo.refunds("inv-1").size();
      int r = round;
      List<dev.caravel.billing.spi.RefundWrite> writes =
          Race.all(
              THREADS,
              i ->
                  recordRefund(
                      refund(
                          "k" + r + "-" + (i % 4), "inv-1", alice, 10, Payment.Refund.Via.BY_HAND),
                      read));
      assertThat(writes.stream().filter(RECORDED::equals)).hasSize(1);
      assertThat(writes)
          .allSatisfy(
              w ->
                  assertThat(w)
                      .isInstanceOfAny(
                          dev.caravel.billing.spi.RefundWrite.Recorded.class,
                          dev.caravel.billing.spi.RefundWrite.RefundsMoved.class,
                          dev.caravel.billing.spi.RefundWrite.KeyTaken.class));
      assertThat(repo.refunds("inv-1")).hasSize(read + 1);
    }
    assertThat(eventTypes())
        .filteredOn(t -> t == dev.caravel.billing.BillingEvent.Type.REFUND_OWED)
        .hasSize(4);
  }

  @Test
  void anAdjustmentKeyedLikeARefundsCreditNeverCollidesWithIt() {
    paidInvoice(alice, "inv-1", 1000);
    // the adjustment first, then the refund whose credit carries the same key
    InvoiceItem goodwill =
        InvoiceItem.forAdjustment(alice, -50, "goodwill", "refund:K", seconds(10));
    assertThat(adjust(goodwill)).isTrue();
    Payment.Refund credit = refund("K", "inv-1", alice, 100, Payment.Refund.Via.CREDIT);
    assertThat(recordRefund(credit)).isEqualTo(RECORDED);
    // the refund first, then the adjustment
    Payment.Refund credit2 = refund("K2", "inv-1", alice, 200, Payment.Refund.Via.CREDIT);
    assertThat(recordRefund(credit2)).isEqualTo(RECORDED);
    InvoiceItem fee = InvoiceItem.forAdjustment(alice, 25, "fee", "refund:K2", seconds(11));
    assertThat(adjust(fee)).isTrue();

    List<InvoiceItem> four =
        List.of(
            goodwill,
            InvoiceItem.forRefundCredit(credit),
            InvoiceItem.forRefundCredit(credit2),
            fee);
    assertThat(repo.unclaimedItems(alice)).containsExactlyInAnyOrderElementsOf(four);
    // each stays once on its own key
    assertThat(
            repo.recordAdjustment(
                goodwill, dev.caravel.billing.BillingEvent.adjusted(goodwill), false))
        .isEqualTo(new dev.caravel.billing.spi.AdjustmentWrite.KeyTaken(goodwill));
    assertThat(adjust(fee)).isFalse();
    assertThat(recordRefund(credit)).isEqualTo(taken(credit));
    assertThat(recordRefund(credit2)).isEqualTo(taken(credit2));
    assertThat(repo.unclaimedItems(alice)).containsExactlyInAnyOrderElementsOf(four);
    assertThat(eventTypes())
        .containsExactly(
            dev.caravel.billing.BillingEvent.Type.INVOICE_CREATED,
            dev.caravel.billing.BillingEvent.Type.PAYMENT_SUCCEEDED,
            dev.caravel.billing.BillingEvent.Type.CREDITED,
            dev.caravel.billing.BillingEvent.Type.REFUNDED,
            dev.caravel.billing.BillingEvent.Type.REFUNDED,
            dev.caravel.billing.BillingEvent.Type.CHARGED);
  }

  @Test
  void aRefundMovesOnlyFromTheStatusReadWithTheEventGiven() {
    paidInvoice(alice, "inv-1", 1000);
    Payment.Refund card = refund("r1", "inv-1", alice, 600, Payment.Refund.Via.CARD);
    recordRefund(card);
    Payment.Refund failed =
        card.withStatus(Payment.Refund.Status.FAILED, Optional.of("no such charge"));
    dev.caravel.billing.BillingEvent event =
        dev.caravel.billing.BillingEvent.refund(failed, seconds(60));
    assertThat(repo.moveRefund(card, failed, event)).isTrue();
    assertThat(repo.findRefund("r1")).contains(failed);
    // decided on the same (now stale) read: loses, whatever it asks
    Payment.Refund done = card.withStatus(Payment.Refund.Status.DONE, Optional.of("re_late"));
    assertThat(
            repo.moveRefund(card, done, dev.caravel.billing.BillingEvent.refund(done, seconds(61))))
        .isFalse();
    assertThat(repo.moveRefund(card, failed, event)).as("moved once").isFalse();
    assertThat(repo.findRefund("r1")).contains(failed);
    assertThat(repo.refunds("inv-1")).containsExactly(failed);
    // an unknown key moves nothing; a move that changes more than status and reference is misuse
    Payment.Refund unknown = refund("nope", "inv-1", alice, 1, Payment.Refund.Via.CARD);
    Payment.Refund unknownDone = unknown.withStatus(Payment.Refund.Status.DONE, Optional.of("x"));
    assertThat(
            repo.moveRefund(
                unknown,
                unknownDone,
                dev.caravel.billing.BillingEvent.refund(unknownDone, seconds(62))))
        .isFalse();
    Payment.Refund other = refund("r1", "inv-1", alice, 1, Payment.Refund.Via.CARD);
    assertThatThrownBy(
            () ->
                repo.moveRefund(
                    failed, other, dev.caravel.billing.BillingEvent.refund(other, seconds(63))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(allEvents())
        .filteredOn(e -> e.type() == dev.caravel.billing.BillingEvent.Type.REFUND_FAILED)
        .containsExactly(event.withId(3));
    assertThat(eventTypes())
        .containsExactly(
            dev.caravel.billing.BillingEvent.Type.INVOICE_CREATED,
            dev.caravel.billing.BillingEvent.Type.PAYMENT_SUCCEEDED,
            dev.caravel.billing.BillingEvent.Type.REFUND_FAILED);
  }

  @Test
  @Timeout(60)
  void racingMovesOfARefundFromOneReadHaveOneWinner() {
    paidInvoice(alice, "inv-1", 1000);
    for (int k = 0; k < 4; k++) {
      String key = "r" + k;
      Payment.Refund pending = refund(key, "inv-1", alice, 100, Payment.Refund.Via.CARD);
      recordRefund(pending);
      List<String> won =
          Race.all(
              THREADS,
              i -> {
                Payment.Refund moved =
                    i % 2 == 0
                        ? pending.withStatus(Payment.Refund.Status.FAILED, Optional.of("refused"))
                        : pending.withStatus(Payment.Refund.Status.DONE, Optional.of("re_" + i));
                return repo.moveRefund(
                        pending, moved, dev.caravel.billing.BillingEvent.refund(moved, seconds(60)))
                    ? moved.status().name()
                    : "";
              });
      List<String> winners = won.stream().filter(w -> !w.isEmpty()).toList();
      assertThat(winners).hasSize(1);
      assertThat(repo.findRefund(key).orElseThrow().status().name()).isEqualTo(winners.get(0));
    }
    assertThat(eventTypes())
        .filteredOn(
            t ->
                t == dev.caravel.billing.BillingEvent.Type.REFUND_FAILED
                    || t == dev.caravel.billing.BillingEvent.Type.REFUNDED)
        .as("one event per refund")
        .hasSize(4);
  }

  // ---- standing (issue 14; recorded as the engine judged it, issue 21) ----

  private StandingRead standingOf(String tenant) {
    return repo.readStandings(List.of(tenant)).stream().findFirst().orElseThrow();
  }

  /** Records one verdict as a page of one: true if it was recorded. */
  private boolean recordStanding(StandingVerdict verdict) {
    List<StandingVerdict> recorded = repo.recordStandings(List.of(verdict));
    assertThat(recorded).as("only the verdict given, if any").isSubsetOf(verdict);
    return !recorded.isEmpty();
  }

  /** The engine's verdict {@code to} on what {@code read} says, with its event if it changed. */
  private static StandingVerdict verdict(
      String tenant, StandingRead read, Standing to, Optional<Instant> recheckAt, Instant at) {
    return new StandingVerdict(
        tenant,
        read.revision(),
        to,
        recheckAt,
        to == read.stored()
            ? Optional.empty()
            : Optional.of(
                dev.caravel.billing.BillingEvent.standingChanged(tenant, read.stored(), to, at)));
  }

  private List<dev.caravel.billing.BillingEvent> standingEvents() {
    return allEvents().stream()
        .filter(e -> e.type() == dev.caravel.billing.BillingEvent.Type.STANDING_CHANGED)
        .toList();
  }

  @Test
  void aStandingReadIsTheStoredStandingAndTheStateOfEachOpenInvoice() {
    assertThat(repo.readStandings(List.of(alice))).as("unknown tenant").isEmpty();
    invoice(alice, "inv-1", 1000, T0);
    invoice(alice, "inv-2", 500, T0);
    StandingRead read = standingOf(alice);
    assertThat(read.stored()).as("none recorded yet").isEqualTo(Standing.GOOD);
    assertThat(read.openInvoices()).hasSize(2);
    PaymentLease round = repo.acquireLease("inv-1", "a", seconds(2), TTL).orElseThrow();
    endFinished(round, Optional.of(days(1)));
    closeAsRead("inv-2", voided(seconds(3)));
    assertThat(standingOf(alice).openInvoices())
        .as("the closed invoice is no longer open; the other's round shows")
        .containsExactly(
            new CollectionState(
                1,
                false,
                Optional.of(seconds(2)),
                Optional.of(days(1)),
                Optional.empty(),
                Optional.empty()));
    markPaid("inv-1", payment("pi_1", seconds(4)));
    assertThat(standingOf(alice).openInvoices()).isEmpty();
  }

  @Test
  void aRecordedVerdictIsStoredWithItsEventAndSaysWhenToLookAgain() {
    invoice(alice, "inv-1", 1000, T0);
    StandingRead read = standingOf(alice);
    assertThat(
            recordStanding(
                verdict(alice, read, Standing.PAST_DUE, Optional.of(days(1)), seconds(1))))
        .isTrue();
    StandingRead after = standingOf(alice);
    assertThat(after.stored()).isEqualTo(Standing.PAST_DUE);
    assertThat(after.revision())
        .as("a recorded verdict moves the revision")
        .isNotEqualTo(read.revision());
    assertThat(repo.standingChecksDue(days(1), 10)).containsExactly(alice);
    assertThat(repo.standingChecksDue(days(1).minusSeconds(1), 10)).isEmpty();
    assertThat(standingEvents())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.tenant()).isEqualTo(alice);
              assertThat(e.reference()).contains("GOOD");
              assertThat(e.detail()).isEqualTo("PAST_DUE");
              assertThat(e.at()).isEqualTo(seconds(1));
            });

    // unchanged, and nothing for time alone to change: no event, and no check due any more
    assertThat(
            recordStanding(verdict(alice, after, Standing.PAST_DUE, Optional.empty(), seconds(2))))
        .isTrue();
    assertThat(repo.standingChecksDue(days(400), 10)).isEmpty();
    assertThat(standingEvents()).hasSize(1);
    assertThat(
            recordStanding(
                new StandingVerdict(bob, 0, Standing.GOOD, Optional.empty(), Optional.empty())))
        .as("unknown tenant")
        .isFalse();
  }

  @Test
  void aVerdictLosesAfterAWriteThatMayMoveTheStanding() {
    for (int i = 1; i <= 5; i++) {
      invoice(alice, "inv-" + i, 1000, T0);
    }
    PaymentLease finished = repo.acquireLease("inv-1", "a", seconds(1), TTL).orElseThrow();
    PaymentLease held = repo.acquireLease("inv-2", "a", seconds(1), TTL).orElseThrow();
    PaymentLease paidInRound = repo.acquireLease("inv-5", "a", seconds(1), TTL).orElseThrow();
    java.util.Map<String, Runnable> writes = new java.util.LinkedHashMap<>();
    writes.put("a round finished", () -> endFinished(finished, Optional.of(days(1))));
    writes.put(
        "a round held",
        () ->
            endHeld(
                held,
                new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_2"),
                seconds(3)));
    writes.put(
        "a hold's end",
        () ->
            repo.changeCollection(
                "inv-2",
                repo.collectionState("inv-2").orElseThrow(),
                new CollectionChange.Reschedule(Optional.of(days(1)), seconds(3))));
    writes.put("a payment", () -> markPaid("inv-3", payment("pi_3", seconds(4))));
    writes.put("a closure", () -> closeAsRead("inv-4", voided(seconds(5))));
    writes.put(
        "a payment ending its round", () -> endPaid(paidInRound, payment("pi_5", seconds(6))));
    for (var write : writes.entrySet()) {
      StandingRead stale = standingOf(alice);
      write.getValue().run();
      assertThat(
              recordStanding(
                  verdict(alice, stale, Standing.PAST_DUE, Optional.empty(), seconds(7))))
          .as("a verdict judged before " + write.getKey())
          .isFalse();
      assertThat(standingOf(alice).stored()).isEqualTo(Standing.GOOD);
    }
    assertThat(standingEvents()).as("nothing recorded, nothing told").isEmpty();
    assertThat(repo.standingChecksDue(seconds(7), 10))
        .as("the lost verdicts left the check those writes made due")
        .containsExactly(alice);

    StandingRead fresh = standingOf(alice);
    assertThat(
            recordStanding(verdict(alice, fresh, Standing.PAST_DUE, Optional.empty(), seconds(8))))
        .as("judged again from a fresh read")
        .isTrue();
    assertThat(standingEvents()).hasSize(1);
  }

  @Test
  void aChangeThatMayMoveTheStandingMakesItsCheckDue() {
    invoice(alice, "inv-1", 1000, T0);
    recordAsRead(alice, Optional.of(days(1)));
    PaymentLease round = repo.acquireLease("inv-1", "a", seconds(2), TTL).orElseThrow();
    endFinished(round, Optional.of(days(1)));
    assertThat(repo.standingChecksDue(round.until(), 10)).containsExactly(alice);
    recordAsRead(alice, Optional.of(days(2)));
    assertThat(repo.standingChecksDue(seconds(5), 10)).isEmpty();
    markPaid("inv-1", payment("pi_1", seconds(5)));
    assertThat(repo.standingChecksDue(seconds(5), 10)).containsExactly(alice);
    invoice(bob, "inv-2", 1000, T0);
    closeAsRead("inv-2", voided(seconds(7)));
    assertThat(repo.standingChecksDue(seconds(7), 10)).contains(bob);
  }

  /** Records the standing read again, with {@code recheckAt}, as an engine finding no change. */
  private void recordAsRead(String tenant, Optional<Instant> recheckAt) {
    StandingRead read = standingOf(tenant);
    assertThat(
            recordStanding(
                new StandingVerdict(
                    tenant, read.revision(), read.stored(), recheckAt, Optional.empty())))
        .isTrue();
  }

  @Test
  @Timeout(60)
  void racingVerdictsJudgedFromOneReadAreRecordedOnce() {
    invoice(alice, "inv-1", 1000, T0);
    StandingRead read = standingOf(alice);
    List<Boolean> recorded =
        Race.all(
            THREADS,
            i ->
                recordStanding(
                    verdict(alice, read, Standing.PAST_DUE, Optional.empty(), seconds(3))));
    assertThat(recorded.stream().filter(b -> b).count()).isEqualTo(1);
    assertThat(standingEvents()).hasSize(1);
  }

  @Test
  void aPageOfStandingsIsReadInTheOrderAskedSkippingUnknownTenants() {
    invoice(alice, "inv-1", 1000, T0);
    invoice(bob, "inv-2", 500, T0);
    invoice(bob, "inv-3", 700, T0);
    String unknown = "c".repeat(64);
    List<StandingRead> reads = repo.readStandings(List.of(bob, unknown, alice, bob));
    assertThat(reads).extracting(StandingRead::tenant).containsExactly(bob, alice);
    assertThat(reads.get(0).openInvoices()).as("bob's two open invoices").hasSize(2);
    assertThat(reads.get(1).openInvoices()).as("alice's one").hasSize(1);
    assertThat(reads.get(1)).isEqualTo(standingOf(alice));
    assertThat(repo.readStandings(List.of())).isEmpty();
  }

  @Test
  void aPageOfVerdictsRecordsEachWhoseRevisionHeldAndNoOther() {
    invoice(alice, "inv-1", 1000, T0);
    invoice(bob, "inv-2", 1000, T0);
    StandingRead aliceRead = standingOf(alice);
    StandingRead bobRead = standingOf(bob);
    markPaid("inv-2", payment("pi_2", seconds(2))); // bob's revision moves: his verdict is stale
    StandingVerdict aliceVerdict =
        verdict(alice, aliceRead, Standing.PAST_DUE, Optional.empty(), seconds(3));
    StandingVerdict bobVerdict =
        verdict(bob, bobRead, Standing.PAST_DUE, Optional.empty(), seconds(3));
    StandingVerdict unknownVerdict =
        new StandingVerdict("c".repeat(64), 0, Standing.GOOD, Optional.empty(), Optional.empty());
    assertThat(repo.recordStandings(List.of(bobVerdict, unknownVerdict, aliceVerdict)))
        .as("the stale and the unknown write nothing; the other is recorded")
        .containsExactly(aliceVerdict);
    assertThat(standingOf(alice).stored()).isEqualTo(Standing.PAST_DUE);
    assertThat(standingOf(bob).stored()).isEqualTo(Standing.GOOD);
    assertThat(standingEvents())
        .singleElement()
        .satisfies(e -> assertThat(e.tenant()).isEqualTo(alice));
    assertThat(repo.recordStandings(List.of())).isEmpty();
  }

  @Test
  void twoVerdictsOfOneTenantInOnePageAreRefusedWritingNothing() {
    invoice(alice, "inv-1", 1000, T0);
    StandingRead read = standingOf(alice);
    StandingVerdict one = verdict(alice, read, Standing.PAST_DUE, Optional.empty(), seconds(3));
    StandingVerdict two = verdict(alice, read, Standing.GOOD, Optional.empty(), seconds(3));
    assertThatThrownBy(() -> repo.recordStandings(List.of(one, two)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(standingOf(alice)).as("nothing written").isEqualTo(read);
  }

  // ---- trials (S20) ----

  /** Alice, given a 14-day trial, with her first activity at T0: anchored at day 14, mark -2. */
  private Activity trialStarted() {
    repo.saveTenant(Tenant.of(alice).withTrial(java.util.OptionalInt.of(14)));
    Activity first = fx.create(alice, "r1", T0);
    Optional<TenantLedger> read = repo.ledgers(List.of(alice)).stream().findFirst();
    assertThat(repo.appendActivity(first, read, Anchoring.trial(T0, days(14))))
        .isInstanceOf(ActivityWrite.Appended.class);
    return first;
  }

  private Renewal trialStep(int period, Instant start, List<InvoiceItem> items) {
    dev.caravel.billing.BillingEvent event =
        period < 0
            ? dev.caravel.billing.BillingEvent.trialEnding(alice, days(14), start)
            : dev.caravel.billing.BillingEvent.trialEnded(alice, days(14), 500);
    return new Renewal(alice, period, start, 1, items, Optional.empty(), Optional.of(event));
  }

  private long eventsOf(dev.caravel.billing.BillingEvent.Type type) {
    return repo.events(0, 100_000).stream().filter(e -> e.type() == type).count();
  }

  @Test
  void aTrialIsSavedWithTheTenantAndReadWithItsLedger() {
    Tenant trial =
        Tenant.of(alice).withStripeCustomer("cus_1").withTrial(java.util.OptionalInt.of(14));
    repo.saveTenant(trial);
    assertThat(repo.findTenant(alice)).contains(trial);
    append(fx.create(bob, "r1", T0));
    assertThat(repo.ledgers(List.of(alice, bob)))
        .extracting(TenantLedger::trialDays)
        .containsExactly(java.util.OptionalInt.of(14), java.util.OptionalInt.empty());
  }

  @Test
  void aFirstAppendRecordsTheAnchorAndMarkTheEngineDecidedAndLaterOnesKeepThem() {
    Activity first = trialStarted();
    Activity second = append(fx.create(alice, "r2", seconds(10)));
    TenantLedger ledger = repo.ledgers(List.of(alice)).get(0);
    assertThat(ledger.anchor()).contains(days(14));
    assertThat(ledger.renewedThrough()).isEqualTo(TenantLedger.TRIAL_RUNNING);
    assertThat(ledger.activities())
        .as("the trial's activity, before the anchor, is read")
        .containsExactly(first, second);
  }

  @Test
  void anAppendFromAReadBeforeTheTrialWasGivenIsNotRecorded() {
    repo.saveTenant(Tenant.of(alice));
    Optional<TenantLedger> read = repo.ledgers(List.of(alice)).stream().findFirst();
    repo.saveTenant(Tenant.of(alice).withTrial(java.util.OptionalInt.of(7)));
    assertThat(appendFrom(fx.create(alice, "r1", T0), read))
        .isInstanceOf(ActivityWrite.LogMoved.class);
    assertThat(repo.ledgers(List.of(alice)).get(0).anchor()).isEmpty();
  }

  @Test
  void aTrialsEndingAndPeriodZeroAreRenewedOnceInOrderWithTheirEvents() {
    trialStarted();
    Renewal ending = trialStep(TenantLedger.TRIAL_ENDING_TOLD, days(11), List.of());
    InvoiceItem firstTerm = InvoiceItem.forFirstTerm(alice, "r1", Fixture.PLAN, 500, days(14));
    Renewal ended = trialStep(0, days(14), List.of(firstTerm));
    assertThat(repo.applyRenewals(List.of(ended), OptionalLong.empty()))
        .as("period 0 waits for the notice")
        .isZero();
    assertThat(repo.applyRenewals(List.of(ending), OptionalLong.empty())).isEqualTo(1);
    assertThat(repo.applyRenewals(List.of(ending), OptionalLong.empty())).as("once").isZero();
    assertThat(repo.ledgers(List.of(alice)).get(0).renewedThrough())
        .isEqualTo(TenantLedger.TRIAL_ENDING_TOLD);
    assertThat(repo.applyRenewals(List.of(ended, ended), OptionalLong.empty())).isEqualTo(1);
    assertThat(repo.ledgers(List.of(alice)).get(0).renewedThrough()).isZero();
    assertThat(repo.unclaimedItems(alice)).containsExactly(firstTerm);
    assertThat(eventsOf(dev.caravel.billing.BillingEvent.Type.TRIAL_ENDING)).isEqualTo(1);
    assertThat(eventsOf(dev.caravel.billing.BillingEvent.Type.TRIAL_ENDED)).isEqualTo(1);
  }

  @Test
  void aVisitDuringTheTrialFilesTheTenantDueAtItsWindowsEnd() {
    Activity first = trialStarted();
    repo.recordReconciliations(List.of(reconciled(first, 0)), OptionalLong.empty());
    assertThat(takeDue(T0)).containsExactly(alice);
    dev.caravel.billing.spi.UnclaimedTotal read = repo.unclaimedTotals(List.of(alice)).get(0);
    assertThat(
            repo.claim(
                List.of(
                    new dev.caravel.billing.spi.Claim(alice, T0, days(11), "usd", T0, read, false)),
                (n, c) -> "inv-" + n))
        .isEmpty();
    assertThat(takeDue(days(11).minusSeconds(1))).as("nothing due in the trial").isEmpty();
    assertThat(takeDue(days(11))).as("the notice is due").containsExactly(alice);
    repo.applyRenewals(
        List.of(trialStep(TenantLedger.TRIAL_ENDING_TOLD, days(11), List.of())),
        OptionalLong.empty());
    repo.claim(
        List.of(
            new dev.caravel.billing.spi.Claim(
                alice, days(11), days(14), "usd", days(11), read, false)),
        (n, c) -> "inv-" + n);
    assertThat(repo.takeDueTenants("node-a", "cycle-2", days(14).minusSeconds(1), TTL, 10))
        .isEmpty();
    assertThat(repo.takeDueTenants("node-a", "cycle-2", days(14), TTL, 10))
        .as("the anchor is due")
        .containsExactly(alice);
  }

  @Test
  void aTrialsLedgerReadFromASnapshotKeepsItsTrialAndTakesAppends() {
    Activity first = trialStarted();
    repo.recordReconciliations(List.of(reconciled(first, 0)), OptionalLong.empty());
    InvoiceItem firstTerm = InvoiceItem.forFirstTerm(alice, "r1", Fixture.PLAN, 500, days(14));
    Renewal afterTrial =
        withSnapshot(renewal(alice, 1, days(45), 1, 500, "r1"), List.of(activeOnPlan("r1", T0)));
    assertThat(
            repo.applyRenewals(
                List.of(
                    trialStep(TenantLedger.TRIAL_ENDING_TOLD, days(11), List.of()),
                    trialStep(0, days(14), List.of(firstTerm)),
                    afterTrial),
                OptionalLong.empty()))
        .isEqualTo(3);
    TenantLedger read = repo.ledgers(List.of(alice)).get(0);
    assertThat(read.snapshotPeriod()).isEqualTo(1);
    assertThat(read.trialDays()).hasValue(14);
    assertThat(appendFrom(fx.update(alice, "r1", "pro", days(46)), Optional.of(read)))
        .isInstanceOf(ActivityWrite.Appended.class);
  }
}
