package dev.caravel.billing;

/**
 * The DM that asks a tenant to pay by hand (S9 step 3): fixed, customer-facing text only (DESIGN
 * "Security"). It is the request to pay, the invoice's payment link and, when a rail failed, the
 * {@link CustomerNotice} sentence for that kind of failure; never a rail's or developer's words
 * (HTTP codes, request ids, SQL, relay addresses), which go to the operator through the listener,
 * the event feed and the log.
 */
final class DirectMessages {
  static final String MANUAL_PAYMENT_DM =
      "Payment is due for your relay subscription. Open the link below to review the invoice and pay by Lightning or card:";

  private DirectMessages() {}

  /**
   * The DM for {@code notice}: the request to pay and the invoice's {@link InvoiceLinks#link
   * capability link} (with its token), then the notice's sentence unless it is the plain request
   * ({@link CustomerNotice#PAYMENT_DUE}).
   */
  static String askToPay(String link, CustomerNotice notice) {
    String base = MANUAL_PAYMENT_DM + "\n\n" + link;
    return notice == CustomerNotice.PAYMENT_DUE ? base : base + "\n\n" + notice.sentence();
  }

  /**
   * {@link #askToPay(String, CustomerNotice)}, then the tenant's account page link, for a notice
   * that the tenant acts on there ({@link CustomerNotice#pointsToAccount}: raise a wallet's
   * budget).
   */
  static String askToPay(String link, CustomerNotice notice, String accountLink) {
    return askToPay(link, notice) + "\n" + accountLink;
  }
}
