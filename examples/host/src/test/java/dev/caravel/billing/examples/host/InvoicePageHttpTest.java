package dev.caravel.billing.examples.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.PaymentMethod;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The page and the pay endpoint over HTTP (MockMvc): unknown invoices are 404 and charge nothing,
 * paying settles the invoice by card once and redirects back, and a page shows one tenant only.
 * Each test bills a tenant of its own, so the tests don't depend on one another's order.
 */
@ActiveProfiles(DemoCipherKeyGuard.DEMO_PROFILE) // the demo key
@SpringBootTest
@AutoConfigureMockMvc
class InvoicePageHttpTest {
  private static final AtomicInteger TENANTS = new AtomicInteger();

  @Autowired MockMvc mvc;
  @Autowired Billing billing;
  @Autowired DemoRails.Card card;

  @Test
  void anUnknownInvoiceIsA404PageAndPayingItChargesNothing() throws Exception {
    int charges = card.charges();
    for (String id : new String[] {"no-such-invoice", "../../etc/passwd", "<script>", " "}) {
      mvc.perform(get("/account").param("invoice", id))
          .andExpect(status().isNotFound())
          .andExpect(content().contentTypeCompatibleWith("text/html"))
          .andExpect(content().string(containsString("Invoice not found")))
          .andExpect(content().string(not(containsString("<script>"))));
      mvc.perform(post("/account/pay").param("invoice", id)).andExpect(status().isNotFound());
    }
    mvc.perform(get("/account")).andExpect(status().isNotFound());
    mvc.perform(post("/account/pay")).andExpect(status().isNotFound());
    assertThat(card.charges()).isEqualTo(charges);
  }

  @Test
  void anUnpaidInvoicesPageOffersTheCardAndTheQrCode() throws Exception {
    Invoice invoice = newInvoice(newTenant());
    mvc.perform(get("/account").param("invoice", invoice.id()))
        .andExpect(status().isOk())
        .andExpect(header().string("Content-Security-Policy", InvoicePageController.CSP))
        .andExpect(content().string(containsString("id=\"status\" class=\"status due\">Due")))
        .andExpect(content().string(containsString("id=\"total\">$5.00<")))
        .andExpect(content().string(containsString("id=\"qr\"")))
        .andExpect(
            content()
                .string(containsString("action=\"/account/pay?invoice=" + invoice.id() + "\"")))
        .andExpect(content().string(containsString("id=\"pay-by-card\"")));
  }

  @Test
  void payingChargesTheCardOnceSettlesTheInvoiceAndRedirectsBackToItsPage() throws Exception {
    Invoice invoice = newInvoice(newTenant());
    int charges = card.charges();

    mvc.perform(post("/account/pay").param("invoice", invoice.id()))
        .andExpect(status().isSeeOther())
        .andExpect(header().string("Location", "/account?invoice=" + invoice.id()));

    Invoice paid = billing.invoice(invoice.id()).orElseThrow();
    assertThat(paid.isPaid()).isTrue();
    assertThat(paid.payment().orElseThrow().method()).isEqualTo(PaymentMethod.STRIPE);
    assertThat(card.charges()).isEqualTo(charges + 1);
    mvc.perform(get("/account").param("invoice", invoice.id()))
        .andExpect(status().isOk())
        .andExpect(content().string(containsString("id=\"status\" class=\"status paid\">Paid")))
        .andExpect(content().string(containsString(paid.payment().orElseThrow().reference())))
        .andExpect(content().string(not(containsString("pay-by-card"))))
        .andExpect(content().string(not(containsString("id=\"qr\""))));

    // pressing again (a double submit, the back button) charges nothing more
    mvc.perform(post("/account/pay").param("invoice", invoice.id()))
        .andExpect(status().isSeeOther());
    assertThat(card.charges()).isEqualTo(charges + 1);
    assertThat(billing.invoice(invoice.id()).orElseThrow().payment()).isEqualTo(paid.payment());
  }

  @Test
  void aPageShowsItsOwnTenantOnlyAndPayingOneInvoiceLeavesTheOtherTenantsUnpaid() throws Exception {
    String alice = newTenant();
    String bob = newTenant();
    Invoice a = newInvoice(alice);
    Invoice b = newInvoice(bob);

    mvc.perform(get("/account").param("invoice", a.id()))
        .andExpect(content().string(containsString(alice)))
        .andExpect(content().string(not(containsString(bob))))
        .andExpect(content().string(not(containsString(b.id()))))
        .andExpect(content().string(not(containsString("relay-of-" + bob.substring(0, 8)))));
    mvc.perform(get("/account").param("invoice", b.id()))
        .andExpect(content().string(containsString(bob)))
        .andExpect(content().string(not(containsString(alice))));

    mvc.perform(post("/account/pay").param("invoice", a.id())).andExpect(status().isSeeOther());
    assertThat(billing.invoice(a.id()).orElseThrow().isPaid()).isTrue();
    assertThat(billing.invoice(b.id()).orElseThrow().isPaid()).isFalse();
  }

  private String newTenant() {
    String tenant = DemoRails.sha256Hex("http test tenant " + TENANTS.incrementAndGet());
    billing.saveTenant(tenant, null, "cus_" + tenant.substring(0, 8));
    return tenant;
  }

  private Invoice newInvoice(String tenant) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    billing.record(
        Activity.create(
            "evt-" + tenant, tenant, "relay-of-" + tenant.substring(0, 8), "basic", now));
    return billing.generateInvoice(tenant).orElseThrow();
  }
}
