package dev.caravel.billing;

/** The DM that asks a tenant to pay by hand (S9 step 3), in the seed's words. */
final class DirectMessages {
  static final String MANUAL_PAYMENT_DM =
      "Payment is due for your relay subscription. Open the link below to review the invoice and pay by Lightning or card:";
  static final int ERROR_MAX_CHARS = 240;

  private DirectMessages() {}

  static String paymentLink(String appUrl, String invoiceId) {
    return appUrl + "/account?invoice=" + invoiceId;
  }

  /** The message; {@code failure} names the rail that failed last and why, if one did. */
  static String manualPayment(String appUrl, String invoiceId, Failure failure) {
    String base = MANUAL_PAYMENT_DM + "\n\n" + paymentLink(appUrl, invoiceId);
    if (failure == null) {
      return base;
    }
    String summary = summarize(failure.error());
    if (summary.isEmpty()) {
      return base;
    }
    String prefix =
        failure.rail().equals("nwc") ? "NWC auto-payment failed:" : "Card payment failed:";
    return base + "\n\n" + prefix + " " + summary;
  }

  /**
   * Whitespace folded to single spaces, cut to 240 characters with "..." (code points, not chars).
   */
  static String summarize(String error) {
    if (error == null) {
      return "";
    }
    String folded = String.join(" ", error.trim().split("\\s+"));
    if (folded.isEmpty() || folded.codePointCount(0, folded.length()) <= ERROR_MAX_CHARS) {
      return folded;
    }
    int end = folded.offsetByCodePoints(0, ERROR_MAX_CHARS - 3);
    return folded.substring(0, end) + "...";
  }

  /** The last rail that failed ({@code nwc} or {@code stripe}) and its error. */
  record Failure(String rail, String error) {}
}
