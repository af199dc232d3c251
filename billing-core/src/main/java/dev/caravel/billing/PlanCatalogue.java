package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The plans a service sells, all priced in one currency (ISO 4217, lowercase; default usd), with
 * their price history (S15): each plan is a list of {@link Version versions}, each effective from
 * an instant on. {@link #of(Plan...)} makes a catalogue whose plans each have one version, in
 * effect since {@link #ORIGIN}.
 *
 * <p><b>Pricing (S15).</b> A price change reaches each tenant at the start of the tenant's first
 * period that begins at or after the change's effective instant: an item for instant {@code t} in
 * the tenant's period {@code [s, e)} is priced by the catalogue as of {@code s}. So a renewal at
 * {@code s}, a proration at {@code t} and the credit that undoes it all use one price, and a credit
 * returns exactly what was charged for the rest of the period. (A plan whose first version came
 * later in the period is priced by that first version until the tenant's next period.)
 *
 * <p><b>Grandfathering</b> is read in the same tenant time. A {@link Version#grandfathered()
 * grandfathered} change leaves the relays already on the plan when it reaches their tenant at the
 * price they had, until their plan changes: a relay that chose the plan in a period that began
 * before the change's instant is "already on it", even if it chose the plan after that instant,
 * since it was charged the old price and the change had not reached its tenant yet. A relay that
 * chooses the plan in a later period pays the new price.
 *
 * <p><b>Retirement</b> is final. A {@link Version#retired() retired} plan can't be chosen by new
 * activity from the retirement's instant on (that instant itself, not the tenant's next period:
 * choosing is not pricing), whatever versions of the plan follow it, but it keeps billing the
 * relays on it, and a later price change still reprices them. See {@link #retiredSince}.
 */
public final class PlanCatalogue {
  private static final Pattern CURRENCY = Pattern.compile("[a-z]{3}");

  /** When the versions of a catalogue made from plain {@link Plan}s take effect: 1970-01-01. */
  public static final Instant ORIGIN = Instant.EPOCH;

  /**
   * One version of a plan: from {@code effective} on (until the plan's next version), the plan is
   * named {@code name} and costs {@code amount} (0 to {@link Billing#MAX_AMOUNT}) a period, for
   * each tenant from its first period starting at or after {@code effective} (S15). {@code
   * retired}: from {@code effective} on, no new activity may choose the plan, and that stays so
   * through every later version. {@code grandfathered}: relays already on the plan when the version
   * reaches their tenant keep the price they had (the amount applies to relays choosing the plan in
   * the tenant's periods from then on).
   */
  public record Version(
      String plan,
      String name,
      long amount,
      Instant effective,
      boolean retired,
      boolean grandfathered,
      int intervalMonths) {
    public Version {
      Checks.id(plan, "plan id");
      Checks.text(name, "plan name");
      Checks.amount(amount, "plan amount");
      Checks.instant(effective, "effective instant");
      Checks.intervalMonths(intervalMonths, "plan " + plan + "'s interval");
    }

    /** A version of a monthly plan. */
    public Version(
        String plan,
        String name,
        long amount,
        Instant effective,
        boolean retired,
        boolean grandfathered) {
      this(plan, name, amount, effective, retired, grandfathered, 1);
    }

    /** The plan as this version prices it. */
    public Plan asPlan() {
      return new Plan(plan, name, amount, intervalMonths);
    }
  }

  /** A price change or retirement was refused; nothing was stored. {@link #reason()} says why. */
  public static final class ChangeRejectedException extends InvalidInputException {
    /** Why a change to the catalogue was refused. */
    public enum Reason {
      /** The plan has no version in the stored catalogue. */
      UNKNOWN_PLAN,
      /** The change is not dated strictly after now: only the future can be repriced. */
      NOT_IN_FUTURE,
      /**
       * The change is dated at or before an activity already recorded, or the start of a period
       * already renewed, of some tenant: items priced by the old version may exist already.
       */
      ALREADY_BILLED,
      /** The plan has a different version at that same instant. */
      CONFLICTING_CHANGE,
      /** The plan is retired as of that instant already (a retirement is final). */
      RETIRED
    }

    private final Reason reason;

    public ChangeRejectedException(Reason reason, String message) {
      super(message);
      this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
      return reason;
    }
  }

  /**
   * A coupon (S21): {@code code}, either {@code percentOff} (1 to 100) or {@code amountOff} (1 to
   * {@link Billing#MAX_AMOUNT}; the other is 0), how long a redemption lasts, and the plans it
   * discounts ({@code plans}; empty: every plan). {@code periods} is N for {@link Duration#PERIODS}
   * (at least 1) and 0 otherwise. {@link Billing#redeemCoupon} gives it to a tenant; {@code
   * CouponRule} says what each invoice's discount is.
   */
  public record Coupon(
      String code,
      int percentOff,
      long amountOff,
      Duration duration,
      int periods,
      Set<String> plans) {

    /** How long a redemption lasts (S21). */
    public enum Duration {
      /** The first invoice that gets a discount uses it up. */
      ONCE,
      /** Invoices of the redemption's period and the {@code periods - 1} after it. */
      PERIODS,
      /** Every invoice. */
      FOREVER
    }

    public Coupon {
      Checks.id(code, "coupon code");
      if ((percentOff == 0) == (amountOff == 0)) {
        throw new InvalidInputException(
            "coupon " + code + " takes either a percentage or an amount off, not both or neither");
      }
      if (percentOff != 0 && (percentOff < 1 || percentOff > 100)) {
        throw new InvalidInputException(
            "coupon " + code + "'s percentage must be 1 to 100, got " + percentOff);
      }
      if (amountOff != 0) {
        Checks.positiveAmount(amountOff, "coupon " + code + "'s amount off");
      }
      Checks.notNull(duration, "coupon duration");
      if (duration == Duration.PERIODS ? periods < 1 : periods != 0) {
        throw new InvalidInputException(
            "coupon "
                + code
                + ": periods must be at least 1 for PERIODS and 0 otherwise, got "
                + periods);
      }
      plans = Set.copyOf(Checks.notNull(plans, "coupon plans"));
      plans.forEach(plan -> Checks.id(plan, "coupon plan id"));
    }

    /** A coupon taking {@code percent} (1 to 100) off. */
    public static Coupon percentOff(
        String code, int percent, Duration duration, int periods, Set<String> plans) {
      if (percent == 0) {
        throw new InvalidInputException("coupon " + code + "'s percentage must be 1 to 100");
      }
      return new Coupon(code, percent, 0, duration, periods, plans);
    }

    /** A coupon taking {@code amount} (1 to {@link Billing#MAX_AMOUNT}) off. */
    public static Coupon amountOff(
        String code, long amount, Duration duration, int periods, Set<String> plans) {
      if (amount == 0) {
        throw new InvalidInputException("coupon " + code + "'s amount off must be positive");
      }
      return new Coupon(code, 0, amount, duration, periods, plans);
    }

    /** Whether it discounts charges of {@code plan}. */
    public boolean appliesTo(String plan) {
      return plans.isEmpty() || plans.contains(plan);
    }
  }

  private final String currency;

  /** Each plan's versions, oldest first; plans in the order first given. */
  private final Map<String, List<Version>> history;

  private PlanCatalogue(String currency, Map<String, List<Version>> history) {
    if (currency == null || !CURRENCY.matcher(currency).matches()) {
      throw new InvalidInputException(
          "currency must be three lowercase letters (ISO 4217), got " + currency);
    }
    this.currency = currency;
    this.history = history;
  }

  public static PlanCatalogue of(Plan... plans) {
    return of("usd", List.of(plans));
  }

  public static PlanCatalogue of(String currency, Collection<Plan> plans) {
    List<Version> versions = new ArrayList<>();
    Map<String, Plan> seen = new LinkedHashMap<>();
    for (Plan plan : Checks.notNull(plans, "plans")) {
      Checks.notNull(plan, "plan");
      if (seen.putIfAbsent(plan.id(), plan) != null) {
        throw new InvalidInputException(
            "plan id \"" + plan.id() + "\" appears twice in the catalogue");
      }
      versions.add(
          new Version(
              plan.id(), plan.name(), plan.amount(), ORIGIN, false, false, plan.intervalMonths()));
    }
    return withHistory(currency, versions);
  }

  /**
   * A catalogue from plans' price histories, in any order. Two versions of one plan at the same
   * instant are refused.
   */
  public static PlanCatalogue withHistory(String currency, Collection<Version> versions) {
    String code = currency == null ? null : currency.toLowerCase(Locale.ROOT);
    Map<String, List<Version>> byPlan = new LinkedHashMap<>();
    for (Version v : Checks.notNull(versions, "versions")) {
      Checks.notNull(v, "version");
      byPlan.computeIfAbsent(v.plan(), p -> new ArrayList<>()).add(v);
    }
    Map<String, List<Version>> sorted = new LinkedHashMap<>();
    for (Map.Entry<String, List<Version>> e : byPlan.entrySet()) {
      List<Version> list = new ArrayList<>(e.getValue());
      list.sort(Comparator.comparing(Version::effective));
      for (int i = 1; i < list.size(); i++) {
        // S19: a plan's terms are its own for good; a new interval is a new plan.
        if (list.get(i).intervalMonths() != list.get(0).intervalMonths()) {
          throw new InvalidInputException(
              "plan \""
                  + e.getKey()
                  + "\" bills every "
                  + list.get(0).intervalMonths()
                  + " months; a later version cannot make it "
                  + list.get(i).intervalMonths());
        }
        if (list.get(i).effective().equals(list.get(i - 1).effective())) {
          throw new InvalidInputException(
              "plan \""
                  + e.getKey()
                  + "\" has two versions effective at "
                  + list.get(i).effective());
        }
      }
      sorted.put(e.getKey(), List.copyOf(list));
    }
    return new PlanCatalogue(code, sorted);
  }

  public String currency() {
    return currency;
  }

  /** The plan as its latest version has it (retired or not); empty for an unknown id. */
  public Optional<Plan> find(String id) {
    List<Version> versions = id == null ? null : history.get(id);
    return versions == null
        ? Optional.empty()
        : Optional.of(versions.get(versions.size() - 1).asPlan());
  }

  /** Every plan as its latest version has it, retired ones included. */
  public Collection<Plan> plans() {
    return history.values().stream().map(v -> v.get(v.size() - 1).asPlan()).toList();
  }

  /** Every version of every plan: each plan's oldest first, plans in the order first given. */
  public List<Version> versions() {
    return history.values().stream().flatMap(List::stream).toList();
  }

  /** The plan's versions, oldest first; empty for an unknown plan. */
  public List<Version> history(String plan) {
    return history.getOrDefault(plan, List.of());
  }

  /** The plan's version in effect at {@code at}: its latest one effective at or before it. */
  public Optional<Version> versionAt(String plan, Instant at) {
    Version found = null;
    for (Version v : history(plan)) {
      if (v.effective().isAfter(at)) {
        break;
      }
      found = v;
    }
    return Optional.ofNullable(found);
  }

  /** A catalogue with one more version (replacing none: its instant must be free). */
  PlanCatalogue with(Version version) {
    List<Version> all = new ArrayList<>(versions());
    all.add(version);
    return withHistory(currency, all);
  }

  /**
   * Since when {@code plan} is retired, as of {@code at}: the instant of its earliest retired
   * version effective at or before {@code at}; empty while it is not retired (or is unknown). A
   * retirement is final: versions after it, whether stored before or after it, never make the plan
   * choosable again (they only reprice the relays still on it).
   */
  public Optional<Instant> retiredSince(String plan, Instant at) {
    Checks.notNull(at, "instant");
    for (Version v : history(plan)) {
      if (v.effective().isAfter(at)) {
        break;
      }
      if (v.retired()) {
        return Optional.of(v.effective());
      }
    }
    return Optional.empty();
  }

  /**
   * The version that prices {@code plan} for the items of a tenant's period starting at {@code
   * periodStart} (S15): the one in effect at that start, or the plan's first version if the plan
   * had none yet then (it was introduced later in that period).
   */
  Version versionForPeriod(String plan, Instant periodStart) {
    List<Version> versions = history(plan);
    if (versions.isEmpty()) {
      // An activity was validated against the catalogue when recorded; a plan with no price cannot
      // be priced, and guessing would bill the wrong amount. Stored data that breaks billing is
      // the tenant's failure (reported and skipped by the poll), as a stored sum past a long is.
      throw new InvalidInputException(
          "plan \"" + plan + "\" is used in the ledger but has no price");
    }
    return versionAt(plan, periodStart).orElse(versions.get(0));
  }

  /**
   * What a relay on {@code plan} pays a period, for the items of the tenant's period starting at
   * {@code periodStart}, when it chose the plan in the tenant's period starting at {@code
   * joinedPeriodStart} (S15): the amount of the version that priced the period it joined in, moved
   * by every later version effective at or before {@code periodStart} that is not grandfathered.
   * Both instants are period starts, never the activities' own instants: a change reaches a tenant
   * at its period boundaries only.
   */
  long priceFor(String plan, Instant joinedPeriodStart, Instant periodStart) {
    Version joined = versionForPeriod(plan, joinedPeriodStart);
    long price = joined.amount();
    for (Version v : history(plan)) {
      if (v.effective().isAfter(periodStart)) {
        break;
      }
      if (v.effective().isAfter(joined.effective()) && !v.grandfathered()) {
        price = v.amount();
      }
    }
    return price;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PlanCatalogue other
        && currency.equals(other.currency)
        && history.equals(other.history);
  }

  @Override
  public int hashCode() {
    return Objects.hash(currency, history);
  }

  @Override
  public String toString() {
    return "PlanCatalogue[" + currency + ", " + history.keySet() + "]";
  }
}
