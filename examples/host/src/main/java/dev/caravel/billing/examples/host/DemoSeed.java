package dev.caravel.billing.examples.host;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * On start, one demo tenant: a relay on the Basic plan (recorded as activity, so the ledger bills
 * it), a saved demo card, and its first invoice, unpaid. Logs the invoice page's URL.
 */
@Component
@ConditionalOnProperty(prefix = "host", name = "seed", havingValue = "true", matchIfMissing = true)
class DemoSeed implements ApplicationRunner {
  private static final Logger LOG = LoggerFactory.getLogger(DemoSeed.class);

  /** The demo tenant's Nostr pubkey (hex): any 64 hex digits do for the demo. */
  static final String TENANT = DemoRails.sha256Hex("caravel demo tenant");

  static final String RELAY = "demo-relay";
  static final String CUSTOMER = "cus_demo_tenant";

  private final Billing billing;
  private final Environment environment;
  private volatile String invoiceId;

  DemoSeed(Billing billing, Environment environment) {
    this.billing = billing;
    this.environment = environment;
  }

  @Override
  public void run(ApplicationArguments args) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    billing.saveTenant(TENANT, null, CUSTOMER);
    billing.record(Activity.create("demo-evt-1", TENANT, RELAY, "basic", now));
    Invoice invoice =
        billing
            .generateInvoice(TENANT)
            .orElseThrow(() -> new IllegalStateException("the demo tenant owes nothing"));
    invoiceId = invoice.id();
    String port = environment.getProperty("local.server.port", "8080");
    java.net.URI link = java.net.URI.create(billing.invoiceLink(invoice.id()));
    LOG.info(
        "demo tenant {} has an unpaid invoice; its page: http://127.0.0.1:{}{}?{}",
        TENANT,
        port,
        link.getRawPath(),
        link.getRawQuery());
  }

  /** The seeded invoice's id, once the application has started. */
  String invoiceId() {
    return invoiceId;
  }
}
