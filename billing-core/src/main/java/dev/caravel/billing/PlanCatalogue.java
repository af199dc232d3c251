package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The plans a service sells, all priced in one currency (ISO 4217, lowercase; default usd). */
public final class PlanCatalogue {
  private static final Pattern CURRENCY = Pattern.compile("[a-z]{3}");

  private final String currency;
  private final Map<String, Plan> plans;

  private PlanCatalogue(String currency, Collection<Plan> plans) {
    if (currency == null || !CURRENCY.matcher(currency).matches()) {
      throw new InvalidInputException(
          "currency must be three lowercase letters (ISO 4217), got " + currency);
    }
    this.currency = currency;
    Map<String, Plan> byId = new LinkedHashMap<>();
    for (Plan plan : Checks.notNull(plans, "plans")) {
      Checks.notNull(plan, "plan");
      if (byId.putIfAbsent(plan.id(), plan) != null) {
        throw new InvalidInputException(
            "plan id \"" + plan.id() + "\" appears twice in the catalogue");
      }
    }
    this.plans = Map.copyOf(byId);
  }

  public static PlanCatalogue of(Plan... plans) {
    return new PlanCatalogue("usd", List.of(plans));
  }

  public static PlanCatalogue of(String currency, Collection<Plan> plans) {
    return new PlanCatalogue(currency == null ? null : currency.toLowerCase(Locale.ROOT), plans);
  }

  public String currency() {
    return currency;
  }

  public Optional<Plan> find(String id) {
    return Optional.ofNullable(id == null ? null : plans.get(id));
  }

  Plan require(String id) {
    Plan plan = plans.get(id);
    if (plan == null) {
      // An activity was validated against the catalogue when recorded; a plan that vanished since
      // cannot be priced, and guessing would bill the wrong amount.
      throw new BillingException(
          "plan \"" + id + "\" is used in the ledger but is no longer in the catalogue");
    }
    return plan;
  }

  public Collection<Plan> plans() {
    return plans.values();
  }

  @Override
  public String toString() {
    return "PlanCatalogue[" + currency + ", " + plans.keySet() + "]";
  }
}
