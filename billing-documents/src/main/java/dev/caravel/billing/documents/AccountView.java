package dev.caravel.billing.documents;

import dev.caravel.billing.Invoice;
import dev.caravel.billing.Standing;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a tenant's own page shows (issue 24), read by the host from the engine and its rails: the
 * tenant's invoices (each with the link to its own page), its standing, what the next invoice
 * starts from, the payment methods on file and the actions this host offers.
 *
 * @param tenant the tenant's pubkey, hex
 * @param standing from {@code Billing.standing}
 * @param currency the catalogue's currency, for {@code nextCharge}
 * @param nextCharge what the next invoice starts from (minor units; negative: a credit carries)
 * @param upcoming the invoice the next period's start makes if nothing happens before ({@code
 *     Billing.upcoming}), if any
 * @param invoices the tenant's invoices, oldest first, as {@code Billing.invoices} answers
 * @param walletConnected whether an NWC wallet is on file ({@code Billing.walletConnected})
 * @param card the saved card as the gateway describes it ("Visa ending 4242"), if one is saved
 * @param actions what this page offers; an action the host cannot carry out is not offered
 * @param walletRequest a wallet connection request waiting for the wallet's answer, if one was
 *     started: shown as a QR code and a link
 * @param formFields hidden fields every form repeats (the link's token, the CSRF token)
 * @param actionBase the path the forms post to, {@code {actionBase}/wallet/connect} and so on
 */
public record AccountView(
    String tenant,
    Standing standing,
    String currency,
    long nextCharge,
    Optional<Invoice.Preview> upcoming,
    List<Invoice> invoices,
    boolean walletConnected,
    Optional<String> card,
    Set<Action> actions,
    Optional<WalletRequest> walletRequest,
    Map<String, String> formFields,
    String actionBase) {

  /** The actions a page may offer; each is a form that posts to {@link #path}. */
  public enum Action {
    /** Connect a wallet by scanning a code ({@code nostr+walletauth://}). */
    CONNECT_WALLET("wallet/authorize"),
    /** Connect a wallet by pasting its {@code nostr+walletconnect://} URI. */
    PASTE_WALLET("wallet/connect"),
    /** Forget the wallet connection on file. */
    DISCONNECT_WALLET("wallet/disconnect"),
    /** Save or replace a card (the card processor's own page). */
    SAVE_CARD("card/setup"),
    /** Remove the saved card. */
    REMOVE_CARD("card/remove");

    private final String path;

    Action(String path) {
      this.path = path;
    }

    /** The path under the page's action base. */
    public String path() {
      return path;
    }
  }

  /**
   * A wallet connection request shown to the tenant: the URI its wallet opens, and the budget it
   * asks for, as the tenant should read it ("$10.00 a month").
   */
  public record WalletRequest(String uri, String budget) {
    public WalletRequest {
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(budget, "budget");
    }
  }

  public AccountView {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(standing, "standing");
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(upcoming, "upcoming");
    invoices = List.copyOf(invoices);
    Objects.requireNonNull(card, "card");
    actions = Set.copyOf(actions);
    Objects.requireNonNull(walletRequest, "walletRequest");
    formFields = Map.copyOf(formFields);
    Objects.requireNonNull(actionBase, "actionBase");
    if (!actionBase.startsWith("/") || actionBase.endsWith("/")) {
      throw new IllegalArgumentException(
          "actionBase is a path that starts with / and does not end with one: " + actionBase);
    }
  }
}
