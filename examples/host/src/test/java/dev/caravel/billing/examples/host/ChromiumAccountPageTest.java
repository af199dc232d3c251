package dev.caravel.billing.examples.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.Billing;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

/**
 * The seeded tenant's own page (issue 24) in a real browser (src/test/node/account.mjs): it fits
 * 320 px without scrolling sideways, every control is reached by keyboard, a form whose link token
 * or CSRF token was tampered with changes nothing (404, 403), and pasting a wallet connection then
 * disconnecting it does what the engine then says. The screenshots it takes are the README's.
 */
@ActiveProfiles(DemoCipherKeyGuard.DEMO_PROFILE) // the demo key and link secret
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ChromiumAccountPageTest {
  @LocalServerPort int port;
  @Autowired Billing billing;
  @Autowired DemoSeed seed;

  @BeforeEach
  void browserAvailable() {
    NodeBrowser.assumeAvailable();
  }

  @Test
  void thePageFitsAPhoneIsKeyboardReachableRefusesTamperedFormsAndConnectsAWallet()
      throws Exception {
    String tenant = DemoSeed.TENANT;
    assertThat(billing.walletConnected(tenant)).isFalse();
    URI link = URI.create(billing.accountLink(tenant));
    String url = "http://127.0.0.1:" + port + link.getRawPath() + "?" + link.getRawQuery();

    JsonNode r =
        NodeBrowser.run(
            "account.mjs",
            url,
            DemoRails.Connector.PREFIX + "demo-wallet?secret=demo",
            NodeBrowser.OUT.toString());

    JsonNode narrow = r.get("narrow");
    assertThat(narrow.get("httpStatus").asInt()).isEqualTo(200);
    assertThat(narrow.get("heading").asText()).isEqualTo("Your account");
    assertThat(narrow.get("invoiceRows").asInt()).isEqualTo(billing.invoices(tenant).size());
    assertThat(narrow.get("wallet").asText()).isEqualTo("No wallet is connected.");
    assertThat(narrow.get("scrollWidth").asInt())
        .as("nothing scrolls sideways at 320 px")
        .isLessThanOrEqualTo(320);

    List<String> focusable = strings(r.get("focusable"));
    assertThat(focusable).contains("nwc-uri", "paste-wallet-button");
    assertThat(strings(r.get("reached"))).as("Tab reaches every control").containsAll(focusable);

    assertThat(r.get("wrongToken").get("heading").asText()).isEqualTo("Page not found");
    assertThat(r.get("wrongCsrf").get("heading").asText()).isEqualTo("Forbidden");
    assertThat(strings(r.get("responses")))
        .contains("POST 404 /account/wallet/connect", "POST 403 /account/wallet/connect");

    assertThat(r.get("connected").get("wallet").asText()).startsWith("A wallet is connected");
    assertThat(r.get("disconnected").get("wallet").asText()).isEqualTo("No wallet is connected.");
    assertThat(strings(r.get("responses")))
        .contains("POST 303 /account/wallet/connect", "POST 303 /account/wallet/disconnect");
    assertThat(billing.walletConnected(tenant)).as("disconnected, as the page says").isFalse();
    assertThat(billing.stripeCustomer(tenant)).as("the card stays").contains(DemoSeed.CUSTOMER);

    assertThat(NodeBrowser.OUT.resolve("account-320.png")).exists();
    assertThat(Files.size(NodeBrowser.OUT.resolve("account.png"))).isPositive();
    assertThat(r.get("errors")).isEmpty();
    assertThat(r.get("blocked")).as("requests beyond the host").isEmpty();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.isNull() ? null : n.asText()));
    return out;
  }
}
