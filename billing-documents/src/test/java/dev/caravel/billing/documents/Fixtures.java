package dev.caravel.billing.documents;

import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PaymentMethod;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One tenant's February invoice, as the engine would make it, with charges, a credit and a renewal.
 */
final class Fixtures {
  static final String TENANT = "a".repeat(64);
  static final String INVOICE_ID = "inv-2025-0001";
  static final Instant PERIOD_START = Instant.parse("2025-01-31T10:00:00Z");
  static final Instant PERIOD_END = Instant.parse("2025-02-28T10:00:00Z");
  static final Instant CREATED = Instant.parse("2025-02-28T10:00:00Z");

  /** "Now" for the renderer: five minutes after the BOLT11 was made, well before it expires. */
  static final Clock CLOCK = Clock.fixed(Instant.parse("2025-02-28T10:05:00Z"), ZoneOffset.UTC);

  /**
   * BOLT11's own example invoice (the spec's "2500 uBTC ... 1 cup coffee"), lower case as wallets
   * give it.
   */
  static final String BOLT11 =
      "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5"
          + "rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpm"
          + "dla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh";

  private Fixtures() {}

  static InvoiceRenderer renderer() {
    return InvoiceRenderer.builder()
        .sellerName("Caravel Relays")
        .appUrl("https://relays.example/")
        .clock(CLOCK)
        .build();
  }

  static InvoiceItem activityItem(
      String activity, String relay, String plan, long amount, String description, String at) {
    return new InvoiceItem(
        "act:" + activity,
        TENANT,
        relay,
        plan,
        amount,
        description,
        Instant.parse(at),
        Optional.of(activity),
        OptionalInt.empty(),
        Optional.of(INVOICE_ID));
  }

  static List<InvoiceItem> items() {
    return List.of(
        // out of order on purpose: the document sorts them by date
        InvoiceItem.forRenewal(TENANT, "relay-1", "basic", 500, 1, PERIOD_END)
            .onInvoice(INVOICE_ID),
        activityItem("evt-1", "relay-1", "basic", 500, "New relay created", "2025-01-31T10:00:00Z"),
        activityItem("evt-2", "relay-2", "pro", 1500, "New relay created", "2025-02-03T08:30:00Z"),
        activityItem(
            "evt-3",
            "relay-2",
            "pro",
            -1000,
            "Relay deactivated (prorated credit)",
            "2025-02-10T17:45:00Z"));
  }

  static long total() {
    return 1500; // 500 + 1500 - 1000 + 500
  }

  static Invoice invoice(Optional<Payment> payment) {
    return new Invoice(
        INVOICE_ID, TENANT, PERIOD_START, PERIOD_END, total(), "usd", CREATED, payment);
  }

  static Bolt11Request bolt11() {
    return new Bolt11Request(
        INVOICE_ID,
        BOLT11,
        "0001020304050607080900010203040506070809000102030405060708090102",
        250_000_000L,
        CREATED,
        CREATED.plusSeconds(3600),
        Optional.empty());
  }

  static InvoiceDocument due() {
    return InvoiceDocument.of(invoice(Optional.empty()), items(), bolt11());
  }

  static Invoice paidInvoice() {
    return invoice(
        Optional.of(
            new Payment(
                PaymentMethod.STRIPE, "pi_3QxYz2Example", Instant.parse("2025-02-28T10:07:12Z"))));
  }

  static InvoiceDocument paid() {
    return InvoiceDocument.of(paidInvoice(), items());
  }
}
