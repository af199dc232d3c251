package dev.caravel.billing.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.ActivityRejectedException;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingBuilder;
import dev.caravel.billing.BillingListener;
import dev.caravel.billing.CloseResult;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.RefundResult;
import dev.caravel.billing.Standing;
import dev.caravel.billing.spi.Repository;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a checked log through the real engine on one repository and returns the JSON Lines it bills.
 * The clock is set to each line's {@code at} before the line is handled; an activity is recorded
 * (and so reconciled) at once; a {@code bill} line generates an invoice for every tenant seen so
 * far, in order of first appearance, then runs the poll: one payment round for every invoice due
 * and the standing checks due. The replay has no payment rail, so no round is paid; it has a
 * messenger that delivers nowhere, so each round asks the tenant to pay (a DM) and the tenant is
 * dunned as a real one who never pays would be (an engine with no rail and no messenger at all runs
 * no round and lets nobody fall past due: issue 26). Credits, charges, voids, payments by hand and
 * refunds go through the engine as they come. Standing changes are printed as they happen. Invoice
 * numbers are formatted {@code inv-1}, {@code inv-2}, ... so the output is the same on every run. A
 * tenant line sets the tenant's tax (S24) and whether it pays by card only (S25) for the invoices
 * claimed after it; a card_minimum line sets the card rail's minimum, below which a card-only
 * tenant's invoice is carried to its next one and printed as a carried line.
 */
final class Replay {
  private Replay() {}

  /**
   * @throws BadInputException an activity the engine refused (unknown relay or plan, a relay
   *     created twice, ...), naming its line in {@code eventsFile}
   */
  static List<String> run(
      Repository repository,
      PlanCatalogue catalogue,
      List<ReplayInput.Entry> entries,
      String eventsFile)
      throws BadInputException {
    Instant start = entries.isEmpty() ? Instant.EPOCH : entries.get(0).at();
    DrivenClock clock = new DrivenClock(start);
    List<String> out = new ArrayList<>();
    // Standing changes, by tenant, of the entry being replayed: the engine may report them from
    // its collection threads and in any order across tenants, so each entry's are printed after
    // its own lines, sorted, and the output is the same on every run and every database.
    java.util.SortedMap<String, List<String>> changes =
        java.util.Collections.synchronizedSortedMap(new java.util.TreeMap<>());
    Set<String> tenants = new LinkedHashSet<>();
    BillingListener listener =
        new BillingListener() {
          @Override
          public void standingChanged(String tenant, Standing from, Standing to) {
            ObjectNode line = ReplayInput.JSON.createObjectNode();
            line.put("at", clock.instant().toString());
            line.put("tenant", tenant);
            line.put("standing", to.name());
            line.put("was", from.name());
            String written = write(line);
            changes.computeIfAbsent(tenant, t -> new ArrayList<>()).add(written);
          }
        };
    // S25: the card minimum is a setting of the engine, so a card_minimum line builds the engine
    // again on the same repository and clock with it; everything else is in the repository.
    java.util.Map<String, Long> cardMinimums = new java.util.HashMap<>();
    Billing billing = engine(repository, catalogue, clock, listener, cardMinimums);
    try {
      for (ReplayInput.Entry entry : entries) {
        clock.set(entry.at());
        if (entry instanceof ReplayInput.CardMinimumEntry m) {
          if (!m.currency().equals(catalogue.currency())) {
            throw new BadInputException(
                eventsFile,
                m.line(),
                "the plans are in "
                    + catalogue.currency()
                    + "; a card minimum in "
                    + m.currency()
                    + " would never apply");
          }
          cardMinimums.put(m.currency(), m.amount());
          billing.close();
          billing = engine(repository, catalogue, clock, listener, cardMinimums);
        } else if (entry instanceof ReplayInput.ActivityEntry a) {
          try {
            billing.record(a.activity());
          } catch (ActivityRejectedException e) {
            throw new BadInputException(
                eventsFile,
                a.line(),
                "the engine refused this activity ("
                    + e.reason().name().toLowerCase(Locale.ROOT)
                    + "): "
                    + e.getMessage());
          } catch (InvalidInputException e) {
            throw new BadInputException(
                eventsFile, a.line(), "the engine refused this activity: " + e.getMessage());
          }
          tenants.add(a.activity().tenant());
        } else if (entry instanceof ReplayInput.PriceEntry p) {
          try {
            billing.changePrice(p.plan(), p.amount(), p.effective());
          } catch (InvalidInputException e) {
            throw new BadInputException(
                eventsFile, p.line(), "the engine refused this price change: " + e.getMessage());
          }
        } else if (entry instanceof ReplayInput.PreviewEntry p) {
          out.add(previewLine(p, billing.preview(p.tenant())));
        } else if (entry instanceof ReplayInput.TenantEntry t) {
          // How the tenant pays from now on (S25): card only (a Stripe customer, no wallet; no
          // rail is wired, so nothing is charged) or by hand. Saving it keeps its tax.
          billing.saveTenant(t.tenant(), null, t.card() ? "cus_replay_" + t.line() : null);
          if (t.trialDays().isPresent()) {
            // S20: the engine refuses a trial once the tenant has activity; nothing is billed.
            try {
              billing.startTrial(t.tenant(), t.trialDays().getAsInt());
            } catch (InvalidInputException e) {
              throw new BadInputException(
                  eventsFile, t.line(), "the engine refused this trial: " + e.getMessage());
            }
          }
          // The tenant's tax from now on (S24): invoices claimed after this line are taxed by it.
          if (t.tax().isPresent()) {
            billing.setTax(t.tenant(), t.tax().get());
          } else {
            billing.clearTax(t.tenant());
          }
          tenants.add(t.tenant());
        } else if (entry instanceof ReplayInput.CouponEntry c) {
          for (String plan : c.coupon().plans()) {
            if (billing.catalogue().find(plan).isEmpty()) {
              throw refused(eventsFile, c, "coupon", "no plan " + plan + " in the plans file");
            }
          }
          billing.defineCoupon(c.coupon()); // the same definition again is a no-op
        } else if (entry instanceof ReplayInput.RedeemEntry r) {
          // Keyed by its line: the same redemption on every replay. It replaces the tenant's
          // coupon.
          billing.redeemCoupon(r.tenant(), r.coupon(), "line-" + r.line());
        } else if (entry instanceof ReplayInput.BillEntry) {
          for (String tenant : tenants) {
            billing
                .generateInvoice(tenant)
                .ifPresent(
                    invoice ->
                        out.add(
                            invoice.isCarried()
                                ? carriedLine(invoice)
                                : invoiceLine(invoice, repository.invoiceItems(invoice.id()))));
          }
          // Nothing more to generate at this instant: the poll collects what is due and judges
          // the standings due.
          billing.runCycle();
        } else {
          operation(billing, entry, eventsFile, out);
        }
        synchronized (changes) {
          changes.values().forEach(out::addAll);
          changes.clear();
        }
      }
    } finally {
      billing.close();
    }
    for (String tenant : tenants) {
      long outstanding = 0;
      for (InvoiceItem item : repository.unclaimedItems(tenant)) {
        outstanding = Math.addExact(outstanding, item.amount());
      }
      ObjectNode line = ReplayInput.JSON.createObjectNode();
      line.put("tenant", tenant);
      line.put("outstanding", outstanding);
      out.add(write(line));
    }
    return out;
  }

  /** The replay's engine: no rail, a messenger that delivers nowhere, the card minimums set. */
  private static Billing engine(
      Repository repository,
      PlanCatalogue catalogue,
      DrivenClock clock,
      BillingListener listener,
      java.util.Map<String, Long> cardMinimums) {
    BillingBuilder builder =
        Billing.builder()
            .repository(repository)
            .catalogue(catalogue)
            .clock(clock)
            .appUrl("https://replay.invalid")
            .linkSecret("cmVwbGF5IGxpbmsgc2VjcmV0OiBkZXRlcm1pbmlzdGljLCBub3Qgc2VjcmV0")
            .instanceId("replay")
            .invoiceNumbers(n -> "inv-" + n)
            // The tenants are asked to pay and never do; the messages go nowhere.
            .messenger((recipient, text) -> {})
            .listener(listener);
    cardMinimums.forEach(builder::cardMinimum);
    return builder.build();
  }

  /**
   * {@code {"at", "invoice", "carried"}}, printed instead of the invoice line of an invoice closed
   * as carried (S25): {@code carried} is its net, now one item ({@code "relay": "carried"}) of the
   * tenant's next invoice.
   */
  static String carriedLine(Invoice invoice) {
    ObjectNode line = ReplayInput.JSON.createObjectNode();
    line.put("at", invoice.createdAt().toString());
    line.put("invoice", invoice.id());
    line.put("carried", invoice.net());
    return write(line);
  }

  /** A credit, charge, void, payment by hand or refund; a refusal is a bad line. */
  private static void operation(
      Billing billing, ReplayInput.Entry entry, String eventsFile, List<String> out)
      throws BadInputException {
    ObjectNode line = ReplayInput.JSON.createObjectNode();
    line.put("at", entry.at().toString());
    try {
      if (entry instanceof ReplayInput.AdjustmentEntry a) {
        if (a.charge()) {
          billing.charge(a.tenant(), a.amount(), a.reason(), a.key());
        } else {
          billing.credit(a.tenant(), a.amount(), a.reason(), a.key());
        }
        return; // it shows as an item of the tenant's next invoice
      }
      if (entry instanceof ReplayInput.VoidEntry v) {
        CloseResult result = billing.voidInvoice(v.invoice(), v.reason());
        if (result instanceof CloseResult.Refused r) {
          throw refused(eventsFile, entry, "void", r.reason().name() + " (" + v.invoice() + ")");
        }
        line.put("invoice", v.invoice());
        line.put("voided", v.reason());
      } else if (entry instanceof ReplayInput.PaidEntry p) {
        if (!billing.settle(p.invoice(), PaymentMethod.MANUAL, p.reference())) {
          throw refused(eventsFile, entry, "payment", "invoice " + p.invoice() + " is not open");
        }
        line.put("invoice", p.invoice());
        line.put("paid", p.reference());
      } else {
        ReplayInput.RefundEntry r = (ReplayInput.RefundEntry) entry;
        RefundResult result = billing.refund(r.invoice(), r.amount(), r.reason(), r.key());
        if (!(result instanceof RefundResult.Recorded recorded)) {
          throw refused(
              eventsFile,
              entry,
              "refund",
              result instanceof RefundResult.Refused no ? no.message() : result.toString());
        }
        line.put("invoice", r.invoice());
        line.put("refund", r.key());
        line.put("amount", r.amount());
        line.put("status", recorded.refund().status().name());
      }
    } catch (InvalidInputException e) {
      throw refused(eventsFile, entry, "line", e.getMessage());
    }
    out.add(write(line));
  }

  private static BadInputException refused(
      String eventsFile, ReplayInput.Entry entry, String what, String why) {
    return new BadInputException(
        eventsFile, entry.line(), "the engine refused this " + what + ": " + why);
  }

  /**
   * {@code {"invoice", "tenant", "period_start", "period_end", "total", "tax", "tax_included",
   * "items": [{"relay", "amount", "description"}]}}: {@code total} is the sum of the items plus
   * {@code tax}, the tax the invoice adds (exclusive, S24; 0 otherwise); {@code tax_included} is
   * the tax an inclusive invoice states its total holds (0 otherwise).
   */
  static String invoiceLine(Invoice invoice, List<InvoiceItem> items) {
    ObjectNode line = ReplayInput.JSON.createObjectNode();
    line.put("invoice", invoice.id());
    line.put("tenant", invoice.tenant());
    line.put("period_start", invoice.periodStart().toString());
    line.put("period_end", invoice.periodEnd().toString());
    line.put("total", invoice.total());
    line.put("tax", invoice.tax().map(Invoice.Tax::added).orElse(0L));
    line.put("tax_included", invoice.tax().map(Invoice.Tax::included).orElse(0L));
    ArrayNode array = line.putArray("items");
    for (InvoiceItem item : items) {
      ObjectNode i = array.addObject();
      i.put("relay", item.relay());
      i.put("amount", item.amount());
      i.put("description", item.description());
    }
    return write(line);
  }

  /**
   * {@code {"preview", "at", "items": [{"relay", "amount", "description"}], "tax", "total"}}: the
   * invoice generating now would make (S23), written nowhere; no items and a total of 0 when it
   * would make none. An invoice that would be carried (S25) previews the same way: the line keeps
   * issue 23's format, and the billing run says it with its carried line.
   */
  static String previewLine(ReplayInput.PreviewEntry entry, Optional<Invoice.Preview> preview) {
    ObjectNode line = ReplayInput.JSON.createObjectNode();
    line.put("preview", entry.tenant());
    line.put("at", entry.at().toString());
    ArrayNode array = line.putArray("items");
    List<InvoiceItem> items = preview.map(Invoice.Preview::items).orElse(List.of());
    for (InvoiceItem item : items) {
      ObjectNode i = array.addObject();
      i.put("relay", item.relay());
      i.put("amount", item.amount());
      i.put("description", item.description());
    }
    line.put("tax", preview.flatMap(Invoice.Preview::tax).map(Invoice.Tax::added).orElse(0L));
    line.put("total", preview.map(Invoice.Preview::total).orElse(0L));
    return write(line);
  }

  private static String write(ObjectNode node) {
    try {
      return ReplayInput.JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
