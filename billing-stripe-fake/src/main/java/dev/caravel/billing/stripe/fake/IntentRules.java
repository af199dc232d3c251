package dev.caravel.billing.stripe.fake;

import dev.caravel.billing.stripe.fake.FakeStripe.Customer;
import java.util.Map;
import java.util.Set;

/**
 * Stripe's checks on a new PaymentIntent beyond the OpenAPI schema: the amount's range and shape
 * for its currency, Stripe's minimum, {@code off_session} without {@code confirm}, the {@code
 * return_url} rule of automatic payment methods, and a customer and card that can be charged. A 400
 * from here is answered before the endpoint runs, so nothing is saved.
 */
final class IntentRules {
  // Minimums the fake enforces (Stripe's table, in Stripe's minor units), and the amount shapes.
  private static final Map<String, Long> MINIMUMS =
      Map.of("usd", 50L, "eur", 50L, "gbp", 30L, "jpy", 50L, "isk", 0L);
  private static final Set<String> THREE_DECIMAL = Set.of("bhd", "jod", "kwd", "omr", "tnd");

  private final FakeStripe stripe;

  IntentRules(FakeStripe stripe) {
    this.stripe = stripe;
  }

  /** The first rule the charge breaks, as Stripe answers it; null if it breaks none. */
  Reply check(Map<String, String> params) {
    long amount = Long.parseLong(params.get("amount"));
    String currency = params.get("currency");
    if (amount < 1 || amount > 99_999_999L) {
      return StripeErrors.invalidRequest(
          "parameter_invalid_integer", "This value must be greater than or equal to 1.", "amount");
    }
    if (!currency.matches("[a-z]{3}")) {
      return StripeErrors.invalidRequest(null, "Invalid currency: " + currency, "currency");
    }
    if (amount < MINIMUMS.getOrDefault(currency, 0L)) {
      return StripeErrors.invalidRequest(
          "amount_too_small",
          "Amount must be at least "
              + (currency.equals("usd") ? "$0.50" : MINIMUMS.get(currency) + " minor units of")
              + " "
              + currency,
          "amount");
    }
    if (currency.equals("isk") && amount % 100 != 0) {
      return StripeErrors.invalidRequest(
          "parameter_invalid_integer",
          "Invalid amount: ISK amounts must be given as a two-decimal value whose decimal part is 00",
          "amount");
    }
    if (THREE_DECIMAL.contains(currency) && amount % 10 != 0) {
      return StripeErrors.invalidRequest(
          "parameter_invalid_integer",
          "Invalid amount: " + currency + " amounts must end in 0",
          "amount");
    }
    boolean confirm = "true".equals(params.get("confirm"));
    if ("true".equals(params.get("off_session")) && !confirm) {
      return StripeErrors.invalidRequest(
          "parameter_invalid_empty",
          "You can only pass in `off_session` when `confirm` is true.",
          "off_session");
    }
    // Since 2023-08-16, automatic payment methods are on unless payment_method_types is given, and
    // confirming with redirect-capable methods needs somewhere to come back to.
    boolean automatic =
        !params.containsKey("payment_method_types[0]")
            && !"false".equals(params.get("automatic_payment_methods[enabled]"));
    if (confirm
        && automatic
        && !"never".equals(params.get("automatic_payment_methods[allow_redirects]"))
        && !params.containsKey("return_url")) {
      return StripeErrors.invalidRequest(
          null,
          "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment "
              + "methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to "
              + "accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and "
              + "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
          "return_url");
    }
    Customer c = stripe.findCustomer(params.get("customer")).orElse(null);
    if (c == null || c.deleted()) {
      return StripeErrors.invalidRequest(
          "resource_missing", "No such customer: '" + params.get("customer") + "'", "customer");
    }
    String pm = params.get("payment_method");
    if (stripe.checkout().wasDetached(pm)) {
      return StripeErrors.invalidRequest(
          null,
          "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a "
              + "connected account without Customer attachment, or was detached from a Customer. It may not be used again. "
              + "To use a PaymentMethod multiple times, you must attach it to a Customer first.",
          "payment_method");
    }
    if (!c.holds(pm)) {
      return StripeErrors.invalidRequest(
          "resource_missing", "No such PaymentMethod: '" + pm + "'", "payment_method");
    }
    return null;
  }
}
