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
import dev.caravel.billing.LightningWallet;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.spring.CaravelBillingAutoConfiguration;
import jakarta.servlet.http.Cookie;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * The page and the pay endpoint over HTTP (MockMvc): unknown invoices and wrong tokens are the same
 * 404 and charge nothing, a cross-site POST is 403, a flood of views is held before the wallet,
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

  @Autowired
  @Qualifier(CaravelBillingAutoConfiguration.SERVICE_WALLET)
  LightningWallet serviceWallet;

  @Value("${host.page-views-per-minute}")
  int viewsPerMinute;

  private static final String ORIGIN = "http://localhost";

  @Test
  void anUnknownInvoiceIsA404PageAndPayingItChargesNothing() throws Exception {
    int charges = card.charges();
    for (String id : new String[] {"no-such-invoice", "../../etc/passwd", "<script>", " "}) {
      mvc.perform(get("/account").param("invoice", id).param("token", "AAAAAAAAAAAAAAAAAAAAAA"))
          .andExpect(status().isNotFound())
          .andExpect(content().contentTypeCompatibleWith("text/html"))
          .andExpect(content().string(containsString("Invoice not found")))
          .andExpect(content().string(not(containsString("<script>"))));
      mvc.perform(sameSitePost(id, "AAAAAAAAAAAAAAAAAAAAAA")).andExpect(status().isNotFound());
    }
    mvc.perform(get("/account")).andExpect(status().isNotFound());
    assertThat(card.charges()).isEqualTo(charges);
  }

  /** Attack: walk the sequential ids. Every guess is the same 404 as an id that does not exist. */
  @Test
  void enumeratingIdsGetsA404IndistinguishableFromAnUnknownInvoice() throws Exception {
    Invoice mine = newInvoice(newTenant());
    Invoice theirs = newInvoice(newTenant());
    String myToken = tokenOf(mine);
    MvcResult unknown =
        mvc.perform(get("/account").param("invoice", "INV-999999").param("token", myToken))
            .andReturn();
    assertThat(unknown.getResponse().getStatus()).isEqualTo(404);
    for (String[] attempt :
        new String[][] {
          {theirs.id(), myToken}, // someone else's id with my valid token
          {theirs.id(), null}, // the old link: the id alone
          {theirs.id(), ""},
          {theirs.id(), tokenOf(theirs).substring(1) + "A"}, // a near miss
          {theirs.id(), "not base64!"}
        }) {
      var request = get("/account").param("invoice", attempt[0]);
      if (attempt[1] != null) {
        request.param("token", attempt[1]);
      }
      MvcResult guessed = mvc.perform(request).andReturn();
      assertSameResponse(guessed, unknown);
    }
  }

  /** Attack: a page on another site posts to /account/pay with the victim's cookies. */
  @Test
  void aCrossSitePostIsA403AndChargesNothing() throws Exception {
    Invoice invoice = newInvoice(newTenant());
    String csrf = csrfCookieFromPage(invoice);
    int charges = card.charges();

    // a foreign origin, even with the link's token and the cookie (SameSite=Strict would drop it)
    mvc.perform(
            post("/account/pay")
                .header("Origin", "https://evil.example")
                .cookie(new Cookie(InvoicePageController.CSRF_COOKIE, csrf))
                .param("invoice", invoice.id())
                .param("token", tokenOf(invoice))
                .param("csrf", csrf))
        .andExpect(status().isForbidden());
    // no CSRF token at all, with and without an Origin header
    mvc.perform(
            post("/account/pay")
                .header("Origin", "https://evil.example")
                .param("invoice", invoice.id())
                .param("token", tokenOf(invoice)))
        .andExpect(status().isForbidden());
    mvc.perform(
            post("/account/pay").param("invoice", invoice.id()).param("token", tokenOf(invoice)))
        .andExpect(status().isForbidden());
    // a CSRF field that is not the cookie
    mvc.perform(
            post("/account/pay")
                .header("Origin", ORIGIN)
                .cookie(new Cookie(InvoicePageController.CSRF_COOKIE, csrf))
                .param("invoice", invoice.id())
                .param("token", tokenOf(invoice))
                .param("csrf", "x".repeat(43)))
        .andExpect(status().isForbidden());
    // and a GET never pays
    mvc.perform(
        get("/account/pay").param("invoice", invoice.id()).param("token", tokenOf(invoice)));

    assertThat(card.charges()).isEqualTo(charges);
    assertThat(billing.invoice(invoice.id()).orElseThrow().isPaid()).isFalse();
  }

  /** Attack: flood one invoice's page; the service wallet is asked at most the limit's times. */
  @Test
  void aFloodOfViewsOfOneInvoiceAsksTheWalletAtMostTheLimit() throws Exception {
    Invoice invoice = newInvoice(newTenant());
    DemoRails.ServiceWallet wallet = (DemoRails.ServiceWallet) serviceWallet;
    int before = wallet.calls();
    int ok = 0;
    int limited = 0;
    for (int i = 0; i < viewsPerMinute * 5; i++) {
      int status =
          mvc.perform(
                  get("/account").param("invoice", invoice.id()).param("token", tokenOf(invoice)))
              .andReturn()
              .getResponse()
              .getStatus();
      if (status == 200) {
        ok++;
      } else {
        assertThat(status).isEqualTo(429);
        limited++;
      }
    }
    assertThat(ok).isEqualTo(viewsPerMinute);
    assertThat(limited).isEqualTo(viewsPerMinute * 4);
    // the first view makes the BOLT11 and looks it up; each later one looks it up once at most
    assertThat(wallet.calls() - before).isBetween(1, viewsPerMinute + 1);
    // another invoice's page is not held up by this one's flood
    Invoice other = newInvoice(newTenant());
    mvc.perform(get("/account").param("invoice", other.id()).param("token", tokenOf(other)))
        .andExpect(status().isOk());
  }

  @Test
  void anUnpaidInvoicesPageOffersTheCardAndTheQrCode() throws Exception {
    Invoice invoice = newInvoice(newTenant());
    mvc.perform(get("/account").param("invoice", invoice.id()).param("token", tokenOf(invoice)))
        .andExpect(status().isOk())
        .andExpect(
            header()
                .string("Content-Security-Policy", dev.caravel.billing.spring.PageResponses.CSP))
        .andExpect(header().string("Referrer-Policy", "same-origin"))
        .andExpect(header().string("Set-Cookie", containsString("SameSite=Strict")))
        .andExpect(content().string(containsString("id=\"status\" class=\"status due\">Due")))
        .andExpect(content().string(containsString("id=\"total\">$5.00<")))
        .andExpect(content().string(containsString("id=\"qr\"")))
        .andExpect(content().string(containsString("action=\"/account/pay\"")))
        .andExpect(
            content().string(containsString("name=\"token\" value=\"" + tokenOf(invoice) + "\"")))
        .andExpect(content().string(containsString("id=\"pay-by-card\"")));
  }

  @Test
  void payingChargesTheCardOnceSettlesTheInvoiceAndRedirectsBackToItsPage() throws Exception {
    Invoice invoice = newInvoice(newTenant());
    int charges = card.charges();

    mvc.perform(sameSitePost(invoice.id(), tokenOf(invoice)))
        .andExpect(status().isSeeOther())
        .andExpect(header().string("Location", pageOf(invoice)));

    Invoice paid = billing.invoice(invoice.id()).orElseThrow();
    assertThat(paid.isPaid()).isTrue();
    assertThat(paid.payment().orElseThrow().method()).isEqualTo(PaymentMethod.STRIPE);
    assertThat(card.charges()).isEqualTo(charges + 1);
    mvc.perform(get("/account").param("invoice", invoice.id()).param("token", tokenOf(invoice)))
        .andExpect(status().isOk())
        .andExpect(content().string(containsString("id=\"status\" class=\"status paid\">Paid")))
        .andExpect(content().string(containsString(paid.payment().orElseThrow().reference())))
        .andExpect(content().string(not(containsString("pay-by-card"))))
        .andExpect(content().string(not(containsString("id=\"qr\""))));

    // pressing again (a double submit, the back button) charges nothing more
    mvc.perform(sameSitePost(invoice.id(), tokenOf(invoice))).andExpect(status().isSeeOther());
    assertThat(card.charges()).isEqualTo(charges + 1);
    assertThat(billing.invoice(invoice.id()).orElseThrow().payment()).isEqualTo(paid.payment());
  }

  @Test
  void aPageShowsItsOwnTenantOnlyAndPayingOneInvoiceLeavesTheOtherTenantsUnpaid() throws Exception {
    String alice = newTenant();
    String bob = newTenant();
    Invoice a = newInvoice(alice);
    Invoice b = newInvoice(bob);

    mvc.perform(get("/account").param("invoice", a.id()).param("token", tokenOf(a)))
        .andExpect(content().string(containsString(alice)))
        .andExpect(content().string(not(containsString(bob))))
        .andExpect(content().string(not(containsString(b.id()))))
        .andExpect(content().string(not(containsString("relay-of-" + bob.substring(0, 8)))));
    mvc.perform(get("/account").param("invoice", b.id()).param("token", tokenOf(b)))
        .andExpect(content().string(containsString(bob)))
        .andExpect(content().string(not(containsString(alice))));

    mvc.perform(sameSitePost(a.id(), tokenOf(a))).andExpect(status().isSeeOther());
    assertThat(billing.invoice(a.id()).orElseThrow().isPaid()).isTrue();
    assertThat(billing.invoice(b.id()).orElseThrow().isPaid()).isFalse();
  }

  /** The pay form as our own page posts it: our origin, the cookie and its copy in the form. */
  private MockHttpServletRequestBuilder sameSitePost(String id, String token) {
    String csrf = "c".repeat(43);
    return post("/account/pay")
        .header("Origin", ORIGIN)
        .cookie(new Cookie(InvoicePageController.CSRF_COOKIE, csrf))
        .param("invoice", id)
        .param("token", token)
        .param("csrf", csrf);
  }

  private String csrfCookieFromPage(Invoice invoice) throws Exception {
    return mvc.perform(
            get("/account").param("invoice", invoice.id()).param("token", tokenOf(invoice)))
        .andExpect(status().isOk())
        .andReturn()
        .getResponse()
        .getCookie(InvoicePageController.CSRF_COOKIE)
        .getValue();
  }

  private String tokenOf(Invoice invoice) {
    String query = URI.create(billing.invoiceLink(invoice.id())).getRawQuery();
    return query.substring(query.indexOf("&token=") + "&token=".length());
  }

  private String pageOf(Invoice invoice) {
    URI link = URI.create(billing.invoiceLink(invoice.id()));
    return link.getRawPath() + "?" + link.getRawQuery();
  }

  /** Status, headers and body: nothing tells an existing invoice from a missing one. */
  private static void assertSameResponse(MvcResult actual, MvcResult expected) throws Exception {
    assertThat(actual.getResponse().getStatus()).isEqualTo(expected.getResponse().getStatus());
    assertThat(actual.getResponse().getContentAsString())
        .isEqualTo(expected.getResponse().getContentAsString());
    assertThat(actual.getResponse().getHeaderNames())
        .containsExactlyInAnyOrderElementsOf(expected.getResponse().getHeaderNames());
    for (String name : expected.getResponse().getHeaderNames()) {
      assertThat(actual.getResponse().getHeaders(name))
          .as(name)
          .isEqualTo(expected.getResponse().getHeaders(name));
    }
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
