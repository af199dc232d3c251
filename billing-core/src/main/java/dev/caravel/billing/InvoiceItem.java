package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One line of the ledger: a charge (positive) or credit (negative) in minor units. An item comes
 * either from one activity ({@code activityId}) or from renewing one relay for period {@code
 * renewalPeriod}; exactly one is present. Its id is derived from that source, so the same source
 * can never yield two items. {@code invoiceId} is empty while unclaimed.
 */
public record InvoiceItem(
    String id,
    String tenant,
    String relay,
    String plan,
    long amount,
    String description,
    Instant at,
    Optional<String> activityId,
    OptionalInt renewalPeriod,
    Optional<String> invoiceId) {

  public InvoiceItem {
    Checks.text(id, "item id");
    Checks.pubkey(tenant, "tenant");
    Checks.id(relay, "relay id");
    Checks.id(plan, "plan id");
    Checks.text(description, "description");
    Checks.instant(at, "item time");
    Checks.notNull(activityId, "activityId");
    Checks.notNull(renewalPeriod, "renewalPeriod");
    Checks.notNull(invoiceId, "invoiceId");
    if (activityId.isPresent() == renewalPeriod.isPresent()) {
      throw new InvalidInputException("an item comes from exactly one of an activity or a renewal");
    }
    if (amount == 0) {
      throw new InvalidInputException("an item of amount zero is not an item");
    }
  }

  /** The item for one activity; its id is {@code act:<activity id>}. */
  public static InvoiceItem forActivity(
      Activity activity, String plan, long amount, String description) {
    return new InvoiceItem(
        "act:" + activity.id(),
        activity.tenant(),
        activity.relay(),
        plan,
        amount,
        description,
        activity.at(),
        Optional.of(activity.id()),
        OptionalInt.empty(),
        Optional.empty());
  }

  /** The renewal of one relay for period {@code k}; its id is {@code ren:<tenant>:<k>:<relay>}. */
  public static InvoiceItem forRenewal(
      String tenant, String relay, String plan, long amount, int period, Instant start) {
    return new InvoiceItem(
        "ren:" + tenant + ":" + period + ":" + relay,
        tenant,
        relay,
        plan,
        amount,
        "Subscription renewal",
        start,
        Optional.empty(),
        OptionalInt.of(period),
        Optional.empty());
  }

  public InvoiceItem onInvoice(String invoice) {
    return new InvoiceItem(
        id,
        tenant,
        relay,
        plan,
        amount,
        description,
        at,
        activityId,
        renewalPeriod,
        Optional.of(invoice));
  }
}
