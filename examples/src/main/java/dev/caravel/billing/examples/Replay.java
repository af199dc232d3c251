package dev.caravel.billing.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.ActivityRejectedException;
import dev.caravel.billing.Billing;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.spi.Repository;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Runs a checked log through the real engine on one repository and returns the JSON Lines it bills.
 * The clock is set to each line's {@code at} before the line is handled; an activity is recorded
 * (and so reconciled) at once; a {@code bill} line generates an invoice for every tenant seen so
 * far, in order of first appearance, without collecting payment. Invoice ids are {@code inv-1},
 * {@code inv-2}, ... so the output is the same on every run.
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
    SequentialInvoiceIds invoiceIds = new SequentialInvoiceIds("inv-%d");
    List<String> out = new ArrayList<>();
    Set<String> tenants = new LinkedHashSet<>();
    try (Billing billing =
        Billing.builder()
            .repository(repository)
            .catalogue(catalogue)
            .clock(clock)
            .appUrl("https://replay.invalid")
            .instanceId("replay")
            .invoiceIds(invoiceIds)
            .build()) {
      for (ReplayInput.Entry entry : entries) {
        clock.set(entry.at());
        if (entry instanceof ReplayInput.ActivityEntry a) {
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
        } else {
          for (String tenant : tenants) {
            billing
                .generateInvoice(tenant)
                .ifPresent(
                    invoice ->
                        out.add(invoiceLine(invoice, repository.invoiceItems(invoice.id()))));
          }
        }
      }
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

  /**
   * {@code {"invoice", "tenant", "period_start", "period_end", "total", "items": [{"relay",
   * "amount", "description"}]}}.
   */
  static String invoiceLine(Invoice invoice, List<InvoiceItem> items) {
    ObjectNode line = ReplayInput.JSON.createObjectNode();
    line.put("invoice", invoice.id());
    line.put("tenant", invoice.tenant());
    line.put("period_start", invoice.periodStart().toString());
    line.put("period_end", invoice.periodEnd().toString());
    line.put("total", invoice.total());
    ArrayNode array = line.putArray("items");
    for (InvoiceItem item : items) {
      ObjectNode i = array.addObject();
      i.put("relay", item.relay());
      i.put("amount", item.amount());
      i.put("description", item.description());
    }
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
