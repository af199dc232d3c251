package dev.caravel.billing.documents;

import static dev.caravel.billing.documents.Fixtures.TENANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Invoice;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.Standing;
import dev.caravel.billing.documents.AccountView.Action;
import dev.caravel.billing.documents.AccountView.WalletRequest;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The tenant's own page (issue 24): what it shows, which forms it offers, and how plain it is. */
class AccountPageTest {
  private static final Instant JAN = Instant.parse("2025-01-01T00:00:00Z");
  private static final Instant FEB = Instant.parse("2025-02-01T00:00:00Z");
  private static final Instant MAR = Instant.parse("2025-03-01T00:00:00Z");

  private final AccountPage page = AccountPage.of(Fixtures.renderer());

  private static final Invoice PAID =
      new Invoice(
          "INV-000001",
          TENANT,
          JAN,
          FEB,
          500,
          "usd",
          JAN,
          Optional.of(new Payment(PaymentMethod.NWC, "ln-1", JAN)));
  private static final Invoice DUE =
      new Invoice("INV-000002", TENANT, FEB, MAR, 1250, "usd", FEB, Optional.empty());

  private static AccountView view(
      boolean wallet, Optional<String> card, Set<Action> actions, Optional<WalletRequest> req) {
    return new AccountView(
        TENANT,
        Standing.PAST_DUE,
        "usd",
        700,
        Optional.of(
            new Invoice.Preview(
                TENANT,
                MAR,
                MAR,
                Instant.parse("2025-04-01T00:00:00Z"),
                "usd",
                List.of(),
                1200,
                Optional.empty(),
                1200,
                java.util.OptionalLong.empty())),
        List.of(PAID, DUE),
        wallet,
        card,
        actions,
        req,
        Map.of("token", "tok\"<en>", "csrf", "c".repeat(43)),
        "/account");
  }

  @Test
  void itShowsTheInvoicesNewestFirstWithTheirLinksStatusesAndTotals() {
    String html = page.html(view(false, Optional.empty(), Set.of(), Optional.empty()));

    assertThat(html.indexOf("INV-000002")).isLessThan(html.indexOf("INV-000001"));
    assertThat(html)
        .contains("href=\"https://relays.example/account?invoice=INV-000002\"")
        .contains("<td class=\"status open\">Due</td>")
        .contains("<td class=\"status paid\">Paid</td>")
        .contains("$12.50")
        .contains("2025-02-01 – 2025-03-01")
        .contains("A payment is overdue.")
        .contains(
            "Your next invoice starts from $7.00. On 2025-03-01, when your next period starts, it"
                + " comes to $12.00.")
        .contains("No wallet is connected.")
        .contains("No card is saved.");
  }

  @Test
  void itOffersExactlyTheActionsGivenEachAPostRepeatingTheHiddenFieldsEscaped() {
    String html =
        page.html(
            view(
                false,
                Optional.empty(),
                EnumSet.of(Action.CONNECT_WALLET, Action.PASTE_WALLET, Action.SAVE_CARD),
                Optional.empty()));

    List<String> forms = all(html, "<form [^>]*>");
    assertThat(forms)
        .containsExactly(
            "<form method=\"post\" id=\"connect-wallet\" action=\"/account/wallet/authorize\">",
            "<form method=\"post\" id=\"paste-wallet\" action=\"/account/wallet/connect\">",
            "<form method=\"post\" id=\"save-card\" action=\"/account/card/setup\">");
    assertThat(count(html, "<input type=\"hidden\" name=\"token\" value=\"tok&quot;&lt;en&gt;\">"))
        .isEqualTo(3);
    assertThat(count(html, "name=\"csrf\"")).isEqualTo(3);
    assertThat(html).doesNotContain("tok\"<en>").doesNotContain("wallet/disconnect");
  }

  @Test
  void aConnectedWalletAndASavedCardOfferDisconnectReplaceAndRemove() {
    String html =
        page.html(
            view(
                true,
                Optional.of("Visa ending 4242"),
                EnumSet.allOf(Action.class),
                Optional.empty()));

    assertThat(all(html, "id=\"([a-z-]+)-button\""))
        .containsExactly(
            "id=\"disconnect-wallet-button\"",
            "id=\"paste-wallet-button\"",
            "id=\"save-card-button\"",
            "id=\"remove-card-button\"");
    assertThat(html)
        .contains(">Replace connection</button>")
        .contains(">Replace card</button>")
        .contains("Visa ending 4242 is saved")
        .doesNotContain("id=\"connect-wallet-button\"");
  }

  @Test
  void everyControlHasALabelOrAnAccessibleTextAndNoScriptOrExternalResourceIsUsed() {
    String html =
        page.html(
            view(
                false,
                Optional.of("Visa ending 4242"),
                EnumSet.allOf(Action.class),
                Optional.of(
                    new WalletRequest("nostr+walletauth://abc?relay=wss%3A%2F%2Fr", "$14.00"))));

    for (String input : all(html, "<input [^>]*>")) {
      if (input.contains("type=\"hidden\"")) {
        continue;
      }
      Matcher id = Pattern.compile("id=\"([^\"]+)\"").matcher(input);
      assertThat(id.find()).as("an id for its label: %s", input).isTrue();
      assertThat(html).contains("<label for=\"" + id.group(1) + "\">");
    }
    for (String button : all(html, "<button[^>]*>[^<]*</button>")) {
      assertThat(button.replaceAll("<[^>]+>", "").trim()).as(button).isNotEmpty();
    }
    assertThat(html)
        .doesNotContain("<script")
        .doesNotContain("<link")
        .doesNotContain("src=\"http")
        .doesNotContain("url(")
        .contains("name=\"viewport\" content=\"width=device-width, initial-scale=1\"");
    assertThat(count(html, "<style>")).isEqualTo(1);
  }

  @Test
  void aWalletRequestIsShownAsAQrCodeAndALinkWithTheBudgetAsked() {
    String uri = "nostr+walletauth://" + "b".repeat(64) + "?relay=wss%3A%2F%2Frelay.example&name=x";
    String html =
        page.html(
            view(false, Optional.empty(), Set.of(), Optional.of(new WalletRequest(uri, "$14.00"))));

    assertThat(html)
        .contains("<figure class=\"request\" id=\"wallet-request\"><svg")
        .contains("id=\"wallet-request-link\" href=\"" + uri.replace("&", "&amp;") + "\"")
        .contains("It asks for up to $14.00.");
  }

  @Test
  void standingAndCreditsReadAsSentencesForTheTenant() {
    AccountView good =
        new AccountView(
            TENANT,
            Standing.GOOD,
            "usd",
            -300,
            Optional.empty(),
            List.of(),
            false,
            Optional.empty(),
            Set.of(),
            Optional.empty(),
            Map.of(),
            "/account");
    String html = page.html(good);

    assertThat(html)
        .contains("Your account is in good standing.")
        .contains("A credit of $3.00 goes to your next invoice.")
        .contains("No invoices yet.");
  }

  @Test
  void anActionBaseMustBeAPath() {
    assertThatThrownBy(
            () ->
                new AccountView(
                    TENANT,
                    Standing.GOOD,
                    "usd",
                    0,
                    Optional.empty(),
                    List.of(),
                    false,
                    Optional.empty(),
                    Set.of(),
                    Optional.empty(),
                    Map.of(),
                    "https://evil.example/account"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static List<String> all(String html, String regex) {
    Matcher m = Pattern.compile(regex).matcher(html);
    List<String> out = new java.util.ArrayList<>();
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static int count(String html, String needle) {
    int n = 0;
    for (int at = html.indexOf(needle); at >= 0; at = html.indexOf(needle, at + 1)) {
      n++;
    }
    return n;
  }
}
