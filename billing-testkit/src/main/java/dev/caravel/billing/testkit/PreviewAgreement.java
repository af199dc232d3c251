package dev.caravel.billing.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.ActivityRejectedException;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.spi.Repository;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * S23's property on any storage: {@link Billing#preview} is the invoice {@link
 * Billing#generateInvoice} makes right after it, and {@link Billing#upcoming} the one it makes at
 * the start of the next period, when nothing happens in between. Each run drives one random history
 * through the engine (activity of every kind, plan changes scheduled for the term end and
 * cancelled, hand credits and charges, price changes, taxes of both modes set and cleared, coupons
 * of every kind redeemed, trials of random lengths (S20: the upcoming invoice of a tenant in trial
 * is its first-term invoice at the anchor), tenants paying by card only, by wallet or by hand under
 * a card minimum that carries the small invoices of card-only tenants (S25), billing at random
 * moments, months without billing) and checks both at random points along it.
 */
public final class PreviewAgreement {
  private static final String[] PLANS = {"free", "basic", "pro", "odd", "quarterly", "yearly"};

  /** Plans with odd prices, so that proration and tax round, and terms of 3 and 12 months (S19). */
  public static final PlanCatalogue CATALOGUE =
      PlanCatalogue.of(
          new Plan("free", "Free", 0),
          new Plan("basic", "Basic", 500),
          new Plan("pro", "Pro", 2000),
          new Plan("odd", "Odd", 999),
          new Plan("quarterly", "Quarterly", 1_399, 3),
          new Plan("yearly", "Yearly", 4_999, 12));

  /** The card minimum the engine carries card-only tenants' invoices below (S25). */
  public static final long CARD_MINIMUM = 700;

  private final Repository repository;
  private final Billing billing;
  private final MutableClock clock;
  private final Random random;
  private final List<String> tenants = new ArrayList<>();
  private final Set<String> relays = new HashSet<>();
  private int checks;
  private int carried;

  private PreviewAgreement(Repository repository, long seed) {
    this.repository = repository;
    this.random = new Random(seed);
    this.clock = new MutableClock(Fixture.T0.plus(Duration.ofDays(random.nextInt(365))));
    this.billing =
        Billing.builder()
            .repository(repository)
            .catalogue(CATALOGUE)
            .clock(clock)
            .appUrl("https://relays.example")
            .linkSecret("cHJldmlldyBhZ3JlZW1lbnQ6IGEgdGVzdCBzZWNyZXQsIG5vdCBzZWNyZXQ=")
            // S25: high enough that prorations, credits and odd prices fall below it now and then.
            .cardMinimum("usd", CARD_MINIMUM)
            .cipher(dev.caravel.billing.SecretCipher.aesGcm(new byte[32]))
            // Nothing is collected here; a messenger only keeps the startup warning quiet.
            .messenger((to, text) -> {})
            .build();
  }

  /**
   * Runs one history of {@code steps} steps on {@code repository} (empty, with {@link #CATALOGUE}
   * as its catalogue) and returns how many invoices it compared with their preview (a preview of
   * none is compared too, and not counted).
   */
  public static int check(Repository repository, long seed, int steps) {
    return compare(repository, seed, steps).invoices();
  }

  /** How many invoices a run compared with their preview, and how many of them were carried. */
  public record Compared(int invoices, int carried) {}

  /** {@link #check}, counting the carried invoices (S25) among those compared too. */
  public static Compared compare(Repository repository, long seed, int steps) {
    PreviewAgreement run = new PreviewAgreement(repository, seed);
    run.history(steps);
    return new Compared(run.checks, run.carried);
  }

  private void history(int steps) {
    for (int i = 0; i < steps; i++) {
      int gap = random.nextInt(10);
      if (gap >= 4) {
        clock.advance(Duration.ofSeconds(random.nextInt(gap < 8 ? 86_400 * 12 : 86_400 * 50)));
      }
      String tenant = Fixture.pubkey(1 + random.nextInt(2));
      String relay = tenant.substring(60) + "-r" + random.nextInt(2);
      Instant now = clock.instant();
      if (!tenants.contains(tenant)) {
        tenants.add(tenant);
        if (random.nextBoolean()) {
          // S20: mostly trials that end within the history, now and then a long one.
          billing.startTrial(tenant, 1 + random.nextInt(random.nextInt(4) == 0 ? 365 : 40));
        }
        activity("a" + i, tenant, relay, now);
        continue;
      }
      switch (random.nextInt(13)) {
        case 0, 1 -> previewThenGenerate(tenant);
        case 12 -> {
          // S21: a coupon of any kind, redeemed for the tenant (replacing its coupon).
          PlanCatalogue.Coupon coupon = coupon("C" + i);
          billing.defineCoupon(coupon);
          billing.redeemCoupon(tenant, coupon.code(), "k" + i);
        }
        case 2 -> billing.credit(tenant, 1 + random.nextInt(1500), "credit " + i, "c" + i);
        case 3 -> billing.charge(tenant, 1 + random.nextInt(900), "charge " + i, "h" + i);
        case 4 -> {
          if (random.nextBoolean()) {
            billing.setTax(tenant, tax());
          } else {
            billing.clearTax(tenant);
          }
        }
        case 6 -> pays(tenant);
        case 5 -> {
          try {
            billing.changePrice(
                plan(), random.nextInt(3000), now.plus(Duration.ofDays(1 + random.nextInt(40))));
          } catch (PlanCatalogue.ChangeRejectedException refused) {
            // A change dated before one already made is refused and changes nothing: still a
            // history.
          }
        }
        default -> activity("a" + i, tenant, relay, now);
      }
    }
    for (String tenant : tenants) {
      previewThenGenerate(tenant);
    }
    // S22: a change scheduled now takes effect at a term end; for a monthly plan that is the next
    // period's start, where upcoming must already show the new plan.
    for (String tenant : tenants) {
      String relay = tenant.substring(60) + "-r" + random.nextInt(2);
      if (relays.contains(relay)) {
        scheduling(
            () ->
                billing.record(
                    Activity.scheduleChange(
                        "end-" + tenant, tenant, relay, plan(), clock.instant())));
      }
      upcomingThenGenerate(tenant);
    }
  }

  /**
   * S22: a random schedule or cancel the relay's state refuses (inactive, its own plan, nothing to
   * cancel) records nothing, and the history goes on.
   */
  private void scheduling(Runnable record) {
    try {
      record.run();
    } catch (ActivityRejectedException e) {
      assertThat(e.reason())
          .isIn(
              ActivityRejectedException.Reason.NOT_SCHEDULABLE,
              ActivityRejectedException.Reason.NOTHING_SCHEDULED);
    }
  }

  /**
   * An activity of every kind: a relay's first is its creation; changes scheduled for the term end
   * and their cancels (S22) among the rest.
   */
  private void activity(String id, String tenant, String relay, Instant at) {
    if (relays.add(relay)) {
      billing.record(Activity.create(id, tenant, relay, plan(), at));
      return;
    }
    switch (random.nextInt(6)) {
      case 0 ->
          billing.record(
              Activity.update(id, tenant, relay, random.nextInt(5) == 0 ? null : plan(), at));
      case 1 -> billing.record(Activity.activate(id, tenant, relay, at));
      case 2 ->
          scheduling(() -> billing.record(Activity.scheduleChange(id, tenant, relay, plan(), at)));
      case 3 -> scheduling(() -> billing.record(Activity.cancelChange(id, tenant, relay, at)));
      default -> billing.record(Activity.deactivate(id, tenant, relay, at));
    }
  }

  /** How {@code tenant} pays from now: by card only (carried below the minimum), wallet or hand. */
  private void pays(String tenant) {
    switch (random.nextInt(4)) {
      case 0, 3 -> billing.saveTenant(tenant, null, "cus_" + tenant.substring(56));
      case 1 -> billing.saveTenant(tenant, "nostr+walletconnect://w?secret=s", "cus_x");
      default -> billing.saveTenant(tenant, null, null);
    }
  }

  private String plan() {
    return PLANS[random.nextInt(PLANS.length)];
  }

  private PlanCatalogue.Coupon coupon(String code) {
    PlanCatalogue.Coupon.Duration duration =
        PlanCatalogue.Coupon.Duration.values()[random.nextInt(3)];
    int periods = duration == PlanCatalogue.Coupon.Duration.PERIODS ? 1 + random.nextInt(4) : 0;
    Set<String> plans = random.nextBoolean() ? Set.of(plan()) : Set.of();
    return random.nextBoolean()
        ? PlanCatalogue.Coupon.percentOff(code, 1 + random.nextInt(100), duration, periods, plans)
        : PlanCatalogue.Coupon.amountOff(code, 1 + random.nextInt(3000), duration, periods, plans);
  }

  private TaxSetting tax() {
    int bps = random.nextInt(4) == 0 ? random.nextInt(10_001) : 500 * random.nextInt(6);
    return new TaxSetting(
        bps, "VAT", random.nextBoolean() ? TaxSetting.Mode.EXCLUSIVE : TaxSetting.Mode.INCLUSIVE);
  }

  /** S23: the preview, then the invoice generated at the same instant, nothing in between. */
  private void previewThenGenerate(String tenant) {
    Optional<Invoice.Preview> preview = billing.preview(tenant);
    Optional<Invoice> made = billing.generateInvoice(tenant);
    agree(tenant, preview, made);
  }

  /** S23: the upcoming invoice, then the one generated at its instant, nothing in between. */
  private void upcomingThenGenerate(String tenant) {
    Optional<Invoice.Preview> upcoming = billing.upcoming(tenant);
    // Without an upcoming invoice, the next period's start is checked to make none.
    Instant anchor = repository.ledgers(List.of(tenant)).get(0).anchor().orElseThrow();
    Instant next =
        upcoming
            .map(Invoice.Preview::at)
            .orElseGet(
                () ->
                    clock.instant().isBefore(anchor)
                        ? anchor // a trial's end (S20)
                        : Invoice.Period.at(anchor, clock.instant()).end());
    if (next.isAfter(clock.instant())) {
      clock.set(next);
    }
    agree(tenant, upcoming, billing.generateInvoice(tenant));
  }

  private void agree(String tenant, Optional<Invoice.Preview> preview, Optional<Invoice> made) {
    assertThat(made.isPresent())
        .as("%s: a preview %s, an invoice %s", tenant, preview, made)
        .isEqualTo(preview.isPresent());
    if (made.isEmpty()) {
      return;
    }
    checks++;
    Invoice invoice = made.get();
    Invoice.Preview p = preview.get();
    assertThat(p.at()).isEqualTo(invoice.createdAt());
    assertThat(p.periodStart()).isEqualTo(invoice.periodStart());
    assertThat(p.periodEnd()).isEqualTo(invoice.periodEnd());
    assertThat(p.currency()).isEqualTo(invoice.currency());
    assertThat(p.net()).isEqualTo(invoice.net());
    assertThat(p.tax()).isEqualTo(invoice.tax());
    assertThat(p.total()).isEqualTo(invoice.total());
    assertThat(p.carried()).as("carried (S25)").isEqualTo(invoice.isCarried());
    carried += invoice.isCarried() ? 1 : 0;
    Comparator<InvoiceItem> byId = Comparator.comparing(InvoiceItem::id);
    assertThat(p.items().stream().map(i -> i.onInvoice(invoice.id())).sorted(byId).toList())
        .as("the items of %s", invoice.id())
        .isEqualTo(billing.invoiceItems(invoice.id()).stream().sorted(byId).toList());
  }
}
