package dev.caravel.billing.stripe;

import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's charge: creates and confirms an off-session PaymentIntent under the caller's
 * idempotency key, and turns Stripe's answer into the engine's {@link ChargeOutcome} ({@link
 * StripeGateway#charge} documents the outcomes).
 */
final class StripeCharge {
  private static final Pattern ROUND_KEY = Pattern.compile("-round-([1-9][0-9]{0,8})$");

  // The gateway's logger: hosts configure and read the rail's log lines under StripeGateway.
  private static final Logger log = LoggerFactory.getLogger(StripeGateway.class);

  private final StripeHttp http;

  StripeCharge(StripeCalls calls) {
    this.http = calls.http();
  }

  ChargeOutcome charge(ChargeRequest request) {
    Objects.requireNonNull(request, "request");
    Map<String, String> form = chargeForm(request);
    String key = StripeCalls.idempotencyKey(request.idempotencyKey());
    String invoice = request.invoiceId();
    StripeHttp.Response response;
    try {
      response = http.post("/v1/payment_intents", form, key);
    } catch (StripeHttp.TransportException e) {
      log.warn(
          "charge for invoice {} got no answer ({}); outcome unknown", invoice, e.getMessage());
      return new ChargeOutcome.Unknown(
          e.timedOut()
              ? "no answer from Stripe in time ("
                  + e.getMessage()
                  + "); the charge may have gone through"
              : "connection to Stripe failed ("
                  + e.getMessage()
                  + "); the charge may have gone through");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ChargeOutcome.Unknown(
          "interrupted while charging; the charge may have gone through");
    }
    ChargeOutcome outcome = chargeOutcome(response, invoice);
    log.info(
        "charge for invoice {}: {}{}",
        invoice,
        outcome.getClass().getSimpleName(),
        response.replayed() ? " (replayed)" : "");
    return outcome;
  }

  /**
   * The round number in the engine's key {@code caravel-{invoice}-round-{n}}, if it has that shape.
   */
  static Optional<Integer> roundOf(String idempotencyKey) {
    Matcher m = ROUND_KEY.matcher(idempotencyKey);
    return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
  }

  private static Map<String, String> chargeForm(ChargeRequest request) {
    StripeCalls.stripeId(request.customerId(), "customer id");
    StripeCalls.stripeId(request.paymentMethodId(), "payment method id");
    long amount = StripeCurrency.toStripe(request.amount(), request.currency());
    StripeCalls.metadataValue(request.invoiceId(), "invoice id");
    // Insertion order fixes the body's bytes: a retry sends exactly the same parameters.
    Map<String, String> form = new LinkedHashMap<>();
    form.put("amount", Long.toString(amount));
    form.put("currency", StripeCurrency.code(request.currency()));
    form.put("customer", request.customerId());
    form.put("payment_method", request.paymentMethodId());
    form.put("off_session", "true");
    form.put("confirm", "true");
    // Since API 2023-08-16 automatic payment methods are the default, and confirming one that
    // allows redirects needs a return_url: an off-session charge has none, so no redirects.
    form.put("automatic_payment_methods[enabled]", "true");
    form.put("automatic_payment_methods[allow_redirects]", "never");
    form.put("metadata[invoice_id]", request.invoiceId());
    // The round lets findCharge tell this round's intent from another's.
    roundOf(request.idempotencyKey())
        .ifPresent(round -> form.put("metadata[round]", Integer.toString(round)));
    return form;
  }

  private ChargeOutcome chargeOutcome(StripeHttp.Response response, String invoice) {
    String rid = StripeCalls.requestIdNote(response);
    if (response.ok()) {
      return Json.parse(response.body())
          .map(Outcomes::fromIntent)
          .orElseGet(
              () ->
                  new ChargeOutcome.Unknown(
                      "Stripe answered HTTP "
                          + response.status()
                          + " with an unreadable body"
                          + rid
                          + "; the charge may have gone through"));
    }
    Optional<StripeError> error = StripeError.parse(response.body());
    StripeErrorKind kind =
        StripeErrorKind.classify(response.status(), error.map(StripeError::type).orElse(null));
    if (error.isEmpty() || kind.isTransient()) {
      // 5xx, 409, 429 after the in-call retries, or a body that is not Stripe's: we cannot know.
      return new ChargeOutcome.Unknown(
          StripeCalls.inconclusiveAnswer(response, error, "")
              + "; the charge may have gone through");
    }
    StripeError e = error.get();
    switch (kind) {
      case AUTHENTICATION:
      case PERMISSION:
        {
          StripeConfigurationException config = StripeCalls.configurationError(response);
          log.error("Stripe refused the charge for invoice {}: {}", invoice, config.getMessage());
          return new ChargeOutcome.Failed(kind.name(), config.getMessage());
        }
      case CARD:
        return Outcomes.fromCardError(e);
      case IDEMPOTENCY:
        // Not a decline: the first request under this key may have charged. Throwing keeps the
        // engine's round open (it treats a throw as Unknown), so no new key can charge again.
        throw new StripeIdempotencyException(
            "Stripe refused the idempotency key: it was first used with other parameters, and a key works only with the same parameters"
                + rid,
            response.status(),
            e.type(),
            e.code().orElse(null),
            response.requestId().orElse(null));
      default:
        // invalid_request_error: our request, data or account, never the tenant's card. Stripe
        // ran nothing and saved nothing for the key. Not a Declined: see StripeRequestException.
        log.error(
            "Stripe refused the charge for invoice {} as invalid: HTTP {} {}{}{}",
            invoice,
            response.status(),
            e.label(),
            e.param().map(p -> " (param " + p + ")").orElse(""),
            rid);
        return new ChargeOutcome.Failed(
            kind.name(),
            StripeCalls.requestError(
                    "Stripe refused the charge for invoice " + invoice + " as invalid", response, e)
                .getMessage());
    }
  }
}
