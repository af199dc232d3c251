package dev.caravel.billing.spring;

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
import jakarta.servlet.http.Cookie;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * The tenant's own page as the starter serves it (issue 24), over HTTP (MockMvc): opened only by
 * the tenant's own link, every action a same-origin POST with the page's CSRF token and the link's
 * token, a wallet pasted, checked and sealed, and disconnected while the card stays on file.
 */
@SpringBootTest(
    properties = {
      "spring.datasource.url=jdbc:h2:mem:account-page;DB_CLOSE_DELAY=-1",
      "caravel.billing.app-url=https://relays.example",
      "caravel.billing.plans[0].id=basic",
      "caravel.billing.plans[0].name=Basic",
      "caravel.billing.plans[0].price=500",
      "caravel.billing.poll.enabled=false",
      "caravel.billing.link-secret=" + NoRailWarningTest.LINK_SECRET,
      "caravel.billing.account-page.seller-name=Caravel Relays"
    })
@AutoConfigureMockMvc
class AccountPageTest {
  private static final AtomicInteger TENANTS = new AtomicInteger();
  private static final String ORIGIN = "http://localhost";
  private static final String WALLET =
      "nostr+walletconnect://b889ff5b1513b641e2a139f661a661364979c5beee91842f8f0ef42ab558e9d4"
          + "?relay=wss%3A%2F%2Frelay.example&secret=71a8c14c1407c113601079c4302dab36460f0ccd0ad5"
          + "06f1f2dc73b5100e4f3c";

  /** The host: Lightning as the page tests wire it, 1 cent = 1,000 msats. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @org.springframework.context.annotation.Import(PageTestLightning.class)
  static class Host {

    @Bean
    dev.caravel.billing.ExchangeRates rates() {
      return (minor, currency) -> minor * 1000;
    }
  }

  @Autowired MockMvc mvc;
  @Autowired Billing billing;

  /** A tenant of this test's own, with one invoice of 500 and a card customer on file. */
  private String tenantWithAnInvoice(String nwcUri) {
    String tenant = String.format("%064x", 0xacc0_0000L + TENANTS.incrementAndGet());
    billing.saveTenant(tenant, nwcUri, "cus_page");
    Instant at = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(1));
    billing.record(Activity.create("act-" + tenant, tenant, "r1", "basic", at));
    billing.generateInvoice(tenant).orElseThrow();
    return tenant;
  }

  /** What the page says of the next period's invoice: on its start date, the plan's $5.00. */
  private String upcoming(String tenant) {
    String date = billing.invoices(tenant).get(0).periodEnd().toString().substring(0, 10);
    return "On " + date + ", when your next period starts, it comes to $5.00.";
  }

  private static String tokenOf(String link) {
    String query = URI.create(link).getRawQuery();
    return query.substring(query.indexOf("token=") + 6);
  }

  @Test
  void theLinkOpensTheTenantsPageWithItsInvoicesAndNothingElseOpensIt() throws Exception {
    String tenant = tenantWithAnInvoice(null);
    String other = tenantWithAnInvoice(null);
    String token = tokenOf(billing.accountLink(tenant));
    String invoice = billing.invoices(tenant).get(0).id();

    mvc.perform(get("/account").param("tenant", tenant).param("token", token))
        .andExpect(status().isOk())
        .andExpect(header().string("Content-Security-Policy", PageResponses.CSP))
        .andExpect(header().string("Cache-Control", "no-store"))
        .andExpect(header().string("Referrer-Policy", "same-origin"))
        .andExpect(content().string(containsString(">" + invoice + "</a>")))
        .andExpect(content().string(containsString("$5.00")))
        .andExpect(content().string(containsString("Caravel Relays")))
        .andExpect(content().string(containsString(upcoming(tenant))))
        .andExpect(content().string(not(containsString(other))));

    String notFound =
        mvc.perform(get("/account").param("tenant", other).param("token", token))
            .andExpect(status().isNotFound())
            .andReturn()
            .getResponse()
            .getContentAsString();
    for (String[] probe :
        new String[][] {
          {tenant, token.substring(1)},
          {tenant, ""},
          {"not-a-pubkey", token},
          {"f".repeat(64), tokenOf(billing.accountLink("f".repeat(64)))},
          {tenant, tokenOf(billing.invoiceLink(invoice))}
        }) {
      mvc.perform(get("/account").param("tenant", probe[0]).param("token", probe[1]))
          .andExpect(status().isNotFound())
          .andExpect(content().string(notFound));
    }
  }

  @Test
  void disconnectingNeedsTheOriginTheCsrfTokenAndTheLinkAndKeepsTheCard() throws Exception {
    String tenant = tenantWithAnInvoice(WALLET);
    String token = tokenOf(billing.accountLink(tenant));
    String csrf = csrfOf(tenant, token);
    assertThat(billing.walletConnected(tenant)).isTrue();

    mvc.perform(
            action("https://evil.example", "/account/wallet/disconnect", tenant, token, csrf, csrf))
        .andExpect(status().isForbidden());
    // Two origins: nobody's browser.
    mvc.perform(
            action("/account/wallet/disconnect", tenant, token, csrf, csrf)
                .header("Origin", "https://evil.example"))
        .andExpect(status().isForbidden());
    mvc.perform(action("/account/wallet/disconnect", tenant, token, null, csrf))
        .andExpect(status().isForbidden());
    mvc.perform(action("/account/wallet/disconnect", tenant, token, csrf, FormGuard.newCsrfToken()))
        .andExpect(status().isForbidden());
    mvc.perform(action("/account/wallet/disconnect", tenant, "AAAAAAAAAAAAAAAAAAAAAA", csrf, csrf))
        .andExpect(status().isNotFound());
    assertThat(billing.walletConnected(tenant)).as("refused: nothing changed").isTrue();

    mvc.perform(action("/account/wallet/disconnect", tenant, token, csrf, csrf))
        .andExpect(status().isSeeOther())
        .andExpect(header().string("Location", "/account?tenant=" + tenant + "&token=" + token));

    assertThat(billing.walletConnected(tenant)).isFalse();
    assertThat(billing.stripeCustomer(tenant)).contains("cus_page");
  }

  @Test
  void aPastedConnectionIsCheckedBeforeItIsStoredAndABadOneIsNotEchoed() throws Exception {
    String tenant = tenantWithAnInvoice(null);
    String token = tokenOf(billing.accountLink(tenant));
    String csrf = csrfOf(tenant, token);
    String bad = "nostr+walletconnect://zzz?secret=leak-me-not";

    mvc.perform(action("/account/wallet/connect", tenant, token, csrf, csrf).param("nwc_uri", bad))
        .andExpect(status().isBadRequest())
        .andExpect(content().string(containsString("could not be used")))
        .andExpect(content().string(not(containsString("leak-me-not"))));
    assertThat(billing.walletConnected(tenant)).isFalse();

    mvc.perform(
            action("/account/wallet/connect", tenant, token, csrf, csrf).param("nwc_uri", WALLET))
        .andExpect(status().isSeeOther());

    assertThat(billing.walletConnected(tenant)).isTrue();
    assertThat(billing.stripeCustomer(tenant)).contains("cus_page");
    mvc.perform(get("/account").param("tenant", tenant).param("token", token))
        .andExpect(content().string(containsString("A wallet is connected")))
        .andExpect(content().string(containsString("id=\"disconnect-wallet-button\"")))
        .andExpect(content().string(not(containsString("71a8c14c"))));
  }

  /** Opens the page and returns the CSRF token its cookie carries (and its forms repeat). */
  private String csrfOf(String tenant, String token) throws Exception {
    MvcResult page =
        mvc.perform(get("/account").param("tenant", tenant).param("token", token))
            .andExpect(status().isOk())
            .andReturn();
    Cookie cookie = page.getResponse().getCookie(AccountPageController.CSRF_COOKIE);
    assertThat(cookie).isNotNull();
    assertThat(cookie.isHttpOnly()).isTrue();
    assertThat(page.getResponse().getContentAsString())
        .contains("name=\"csrf\" value=\"" + cookie.getValue() + "\"");
    return cookie.getValue();
  }

  private static MockHttpServletRequestBuilder action(
      String path, String tenant, String token, String csrfField, String csrfCookie) {
    return action(ORIGIN, path, tenant, token, csrfField, csrfCookie);
  }

  private static MockHttpServletRequestBuilder action(
      String origin,
      String path,
      String tenant,
      String token,
      String csrfField,
      String csrfCookie) {
    MockHttpServletRequestBuilder post =
        post(path)
            .header("Origin", origin)
            .param("tenant", tenant)
            .param("token", token)
            .cookie(new Cookie(AccountPageController.CSRF_COOKIE, csrfCookie));
    return csrfField == null ? post : post.param("csrf", csrfField);
  }
}
