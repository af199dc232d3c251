package dev.caravel.billing;

/**
 * What a tenant is told when a payment round asks them to pay by hand: one fixed sentence per kind
 * of failure (DESIGN "Security": a tenant hears sentences meant for a tenant). Rail and developer
 * detail (HTTP codes, request ids, SQL, relay addresses) never reaches a tenant: it goes to the
 * operator through the listener, the event feed and the log.
 *
 * <p>The DM built from a notice is its sentence and the invoice's payment link; nothing else.
 */
enum CustomerNotice {
  /** No rail could be tried (none set up): the plain request to pay. */
  PAYMENT_DUE("Payment is due for your relay subscription."),
  /** The tenant's wallet said it had not enough balance. */
  WALLET_NO_BALANCE("Your wallet did not have enough balance to pay it."),
  /**
   * The tenant's wallet refused: the budget it granted us for the month is spent (NIP-47 {@code
   * QUOTA_EXCEEDED}). The DM adds the account page's link, where the budget is raised.
   */
  WALLET_BUDGET_SPENT(
      "Your wallet's monthly budget for these payments is used up. You can raise it, or save a"
          + " card, on your account page:"),
  /** The tenant's wallet refused or failed for another reason. */
  WALLET_FAILED("Your wallet could not pay it."),
  /** The tenant's wallet did not answer, again. */
  WALLET_SILENT("Your wallet did not answer."),
  /** The card's bank refused the charge. */
  CARD_DECLINED("Your card was declined."),
  /** The card's bank wants the cardholder to confirm the charge (3-D Secure). */
  CARD_NEEDS_AUTHENTICATION("Your bank asks you to confirm this payment."),
  /** Our own setup is at fault, or the charge could not be sent: nothing was taken. */
  COULD_NOT_CHARGE("We could not charge you automatically; we are looking into it.");

  /** The NWC error code for a wallet without the funds (NIP-47). */
  static final String INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE";

  /** The NWC error code for a connection whose budget is spent (NIP-47). */
  static final String QUOTA_EXCEEDED = "QUOTA_EXCEEDED";

  private final String sentence;

  CustomerNotice(String sentence) {
    this.sentence = sentence;
  }

  /** The fixed, customer-facing sentence. */
  String sentence() {
    return sentence;
  }

  /** The notice for a wallet's refusal: its NIP-47 {@code code} picks it, never its message. */
  static CustomerNotice forWalletCode(String code) {
    if (QUOTA_EXCEEDED.equals(code)) {
      return WALLET_BUDGET_SPENT;
    }
    return INSUFFICIENT_BALANCE.equals(code) ? WALLET_NO_BALANCE : WALLET_FAILED;
  }

  /** Whether the tenant acts on this notice on its account page, so the DM links to it. */
  boolean pointsToAccount() {
    return this == WALLET_BUDGET_SPENT;
  }
}
