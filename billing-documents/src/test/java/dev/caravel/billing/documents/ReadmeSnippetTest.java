package dev.caravel.billing.documents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.memory.InMemoryRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's snippet: the code between the markers below is the README's ```java block, line
 * for line (indentation aside), and {@link #theReadmeShowsExactlyThisCode} keeps them so. Surefire
 * runs with assertions enabled, so the snippet's {@code assert}s are real.
 */
class ReadmeSnippetTest {
  private static final Path README = Path.of("README.md");
  private static final Path SELF =
      Path.of("src/test/java/dev/caravel/billing/documents/ReadmeSnippetTest.java");

  @Test
  void theSnippetRuns() throws IOException {
    // spotless:off (the README shows these lines as they are here)
    // README-BEGIN
    Clock clock = Clock.fixed(Instant.parse("2025-02-28T10:00:00Z"), ZoneOffset.UTC);
        var messages = new ArrayList<String>();
    Messenger messenger = (pubkey, text) -> messages.add(text); // NostrMessenger in production
    Billing billing = Billing.builder()
        .repository(new InMemoryRepository())
        .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
        .clock(clock)
        .messenger(messenger)
        .appUrl("https://relays.example")
        .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
        .build();
    String tenant = "a".repeat(64);
    billing.record(Activity.create("evt-1", tenant, "relay-1", "basic", Instant.parse("2025-01-31T10:00:00Z")));
    Invoice invoice = billing.generateInvoice(tenant).orElseThrow(); // January's 500 + February's renewal

    InvoiceRenderer renderer = InvoiceRenderer.builder()
        .sellerName("Caravel Relays")
        .paymentLinks(billing::invoiceLink) // the capability link the engine's DMs carry
        .clock(clock)                     // decides whether a BOLT11 has expired
        .build();
    // With Lightning set up, pass billing.bolt11(invoice.id()) as a third argument: the QR code.
    InvoiceDocument document = InvoiceDocument.of(invoice, billing.invoiceItems(invoice.id()));
    Path page = Files.writeString(Files.createTempFile("invoice-", ".html"), renderer.html(document));
    String text = renderer.text(document);
    assert text.contains("Amount due: $10.00");

    billing.settle(invoice.id(), PaymentMethod.MANUAL, "cash-42");
    Invoice paid = billing.invoice(invoice.id()).orElseThrow();
    messenger.send(paid.tenant(), renderer.receipt(paid));
    assert messages.get(0).startsWith("Caravel Relays: received $10.00 for invoice ");
    // README-END
    // spotless:on

    assertThat(text).contains("Amount due: $10.00").contains(renderer.paymentLink(invoice.id()));
    assertThat(Files.readString(page)).contains("<td class=\"amount\" id=\"total\">$10.00</td>");
    assertThat(messages).hasSize(1);
    assertThat(messages.get(0))
        .endsWith(
            "paid on 2025-02-28 by manual payment. Thank you!\n"
                + billing.invoiceLink(invoice.id()));
    Files.delete(page);
  }

  @Test
  void theReadmeShowsExactlyThisCode() throws IOException {
    String readme = Files.readString(README);
    int open = readme.indexOf("```java\n");
    assertThat(open).as("a ```java block in README.md").isNotNegative();
    int close = readme.indexOf("```\n", open + 8);
    List<String> shown = stripped(readme.substring(open + 8, close));

    String self = Files.readString(SELF);
    String begin = "// README-BEGIN\n";
    int from = self.indexOf(begin) + begin.length();
    int to = self.indexOf("    // README-END\n", from);
    List<String> run = stripped(self.substring(from, to));

    assertThat(run).hasSizeGreaterThan(20);
    assertThat(shown).isEqualTo(run);
  }

  private static List<String> stripped(String code) {
    return code.lines().map(String::strip).toList();
  }
}
