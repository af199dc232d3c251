package dev.caravel.billing.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nwc.BudgetRenewal;
import dev.caravel.billing.nwc.WalletAuthBudget;
import dev.caravel.billing.nwc.WalletAuthUri;
import jakarta.servlet.http.Cookie;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * The account page's "Connect a wallet" (issue 24, NWC-08 walletauth) over HTTP: the POST, once it
 * proves it came from the page, starts a request the page then shows as a code and a link, with our
 * relay, our name, the budget by WalletAuthBudget's rule and a state. The relay here listens
 * nowhere, so the request keeps waiting; billing-nwc's WalletAuthInteropTest has a real wallet
 * confirm one.
 */
@SpringBootTest(
    properties = {
      "spring.datasource.url=jdbc:h2:mem:account-walletauth;DB_CLOSE_DELAY=-1",
      "caravel.billing.app-url=https://relays.example",
      "caravel.billing.plans[0].id=basic",
      "caravel.billing.plans[0].name=Basic",
      "caravel.billing.plans[0].price=500",
      "caravel.billing.poll.enabled=false",
      "caravel.billing.link-secret=" + NoRailWarningTest.LINK_SECRET,
      "caravel.billing.account-page.seller-name=Caravel Relays",
      "caravel.billing.account-page.wallet-relays=" + AccountPageWalletAuthTest.RELAY
    })
@AutoConfigureMockMvc
class AccountPageWalletAuthTest {
  /** A port nothing listens on: the request waits, reconnecting, until the test ends. */
  static final String RELAY = "ws://127.0.0.1:9";

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @org.springframework.context.annotation.Import(PageTestLightning.class)
  static class Host {
    @Bean
    RelayClient relayPool() {
      return RelayClient.builder().trustedRelay(RELAY).build();
    }

    /** 1 cent = 1,000,000 msats, so a $5.00 month asks 2 x 500,000 sats. */
    @Bean
    ExchangeRates rates() {
      return (minor, currency) -> minor * 1_000_000;
    }
  }

  @Autowired MockMvc mvc;
  @Autowired Billing billing;

  @Test
  void connectingAWalletShowsARequestWithOurRelayNameBudgetAndState() throws Exception {
    String tenant = "ab".repeat(32);
    billing.saveTenant(tenant, null, null);
    Instant at = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(1));
    billing.record(Activity.create("wa-1", tenant, "r1", "basic", at));
    billing.generateInvoice(tenant).orElseThrow();
    String link = billing.accountLink(tenant);
    String token = link.substring(link.indexOf("token=") + 6);
    String page =
        mvc.perform(get("/account").param("tenant", tenant).param("token", token))
            .andReturn()
            .getResponse()
            .getContentAsString();
    assertThat(page).contains("id=\"connect-wallet-button\"").doesNotContain("wallet-request");
    String csrf = csrf(page);

    mvc.perform(authorize(tenant, token, "B".repeat(43), csrf)).andExpect(status().isForbidden());
    mvc.perform(authorize(tenant, "AAAAAAAAAAAAAAAAAAAAAA", csrf, csrf))
        .andExpect(status().isNotFound());
    mvc.perform(authorize(tenant, token, csrf, csrf)).andExpect(status().isSeeOther());

    String waiting =
        mvc.perform(get("/account").param("tenant", tenant).param("token", token))
            .andReturn()
            .getResponse()
            .getContentAsString();
    Matcher href = Pattern.compile("id=\"wallet-request-link\" href=\"([^\"]+)\"").matcher(waiting);
    assertThat(href.find()).as("the request is shown").isTrue();
    WalletAuthUri request = WalletAuthUri.parse(href.group(1).replace("&amp;", "&"));
    assertThat(request.relays()).containsExactly(URI.create(RELAY));
    assertThat(request.name()).contains("Caravel Relays");
    assertThat(request.requestMethods()).containsExactly("pay_invoice", "get_budget");
    assertThat(request.budgetRenewal()).contains(BudgetRenewal.MONTHLY);
    long expected =
        WalletAuthBudget.maxAmountMsats(500, "usd", (m, c) -> m * 1_000_000, 10_000_000L);
    assertThat(request.maxAmountMsats()).hasValue(expected);
    assertThat(waiting).contains("It asks for up to 1,000,000 sats a month.");
    assertThat(request.state()).hasValueSatisfying(s -> assertThat(s).matches("[0-9a-f]{32,}"));
    assertThat(waiting).contains("<svg").doesNotContain("secret=");
    assertThat(billing.walletConnected(tenant)).as("not before the wallet confirms").isFalse();
  }

  private static String csrf(String page) {
    Matcher m = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static MockHttpServletRequestBuilder authorize(
      String tenant, String token, String field, String cookie) {
    return post("/account/wallet/authorize")
        .header("Origin", "http://localhost")
        .param("tenant", tenant)
        .param("token", token)
        .param("csrf", field)
        .cookie(new Cookie(AccountPageController.CSRF_COOKIE, cookie));
  }
}
