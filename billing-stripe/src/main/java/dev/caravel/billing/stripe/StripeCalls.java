package dev.caravel.billing.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.InvalidInputException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls to Stripe that the gateway and {@link StripeCards} share: a read that must succeed, an
 * operator write, and how Stripe's answers become this library's exceptions. One place, so a
 * refused key or a transient answer means the same thing on every path.
 */
final class StripeCalls {
  private static final Logger log = LoggerFactory.getLogger(StripeCalls.class);
  // Stripe ids (cus_..., pm_..., card_...) are word characters; the check also keeps ids from
  // changing the request path.
  private static final Pattern STRIPE_ID = Pattern.compile("[A-Za-z0-9_]{1,255}");
  private static final Pattern VISIBLE_ASCII = Pattern.compile("[\\x21-\\x7e]+");

  private final StripeHttp http;

  StripeCalls(StripeHttp http) {
    this.http = http;
  }

  /** The raw transport, for the calls that map their own answers (charge, refund). */
  StripeHttp http() {
    return http;
  }

  /** A POST whose transport failure or transient answer is an exception (operator calls). */
  StripeHttp.Response write(String path, Map<String, String> form, String key, String what) {
    StripeHttp.Response response;
    try {
      response = http.post(path, form, key);
    } catch (StripeHttp.TransportException e) {
      throw new StripeException(
          "could not " + what + " (" + e.getMessage() + "); call again later", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StripeException("interrupted while trying to " + what, e);
    }
    if (response.status() == 401 || response.status() == 403) {
      throw configurationError(response);
    }
    return response;
  }

  /**
   * The error of a failed write; throws for answers that are not a Stripe error or are transient.
   */
  static StripeError failure(StripeHttp.Response response, String what) {
    Optional<StripeError> error = StripeError.parse(response.body());
    StripeErrorKind kind =
        StripeErrorKind.classify(response.status(), error.map(StripeError::type).orElse(null));
    if (error.isEmpty() || kind.isTransient()) {
      throw new StripeException(
          "could not "
              + what
              + ": HTTP "
              + response.status()
              + error.map(e -> " " + e.label()).orElse("")
              + " after "
              + attempts(response)
              + requestIdNote(response)
              + "; call again later",
          response.status(),
          error.map(StripeError::type).orElse(null),
          error.flatMap(StripeError::code).orElse(null),
          response.requestId().orElse(null));
    }
    return error.get();
  }

  static StripeRequestException requestError(
      String what, StripeHttp.Response response, StripeError e) {
    String developer = e.message().map(StripeException::scrub).map(m -> ": " + m).orElse("");
    return new StripeRequestException(
        what
            + " (HTTP "
            + response.status()
            + " "
            + e.label()
            + e.param().map(p -> ", param " + p).orElse("")
            + ")"
            + developer
            + requestIdNote(response),
        response.status(),
        e.type(),
        e.code().orElse(null),
        e.param().orElse(null),
        response.requestId().orElse(null));
  }

  /**
   * What the charge and the refund say of an answer that settles nothing (a transient one after the
   * in-call retries, or a body that is not Stripe's): {@code Stripe answered HTTP 503
   * api_error{about} after 3 attempts (request req_...)}.
   */
  static String inconclusiveAnswer(
      StripeHttp.Response response, Optional<StripeError> error, String about) {
    return "Stripe answered HTTP "
        + response.status()
        + error.map(e -> " " + e.label()).orElse("")
        + about
        + " after "
        + attempts(response)
        + requestIdNote(response);
  }

  static String attempts(StripeHttp.Response response) {
    return response.attempts() + (response.attempts() == 1 ? " attempt" : " attempts");
  }

  static String requestIdNote(StripeHttp.Response response) {
    return response.requestId().map(id -> " (request " + id + ")").orElse("");
  }

  /** A GET that must succeed: the JSON object, or empty on 404 (Stripe does not know it). */
  Optional<JsonNode> read(String pathAndQuery, String what) {
    StripeHttp.Response response;
    try {
      response = http.get(pathAndQuery);
    } catch (StripeHttp.TransportException e) {
      throw new StripeException(
          "could not read " + what + " from Stripe (" + e.getMessage() + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StripeException("interrupted while reading " + what + " from Stripe", e);
    }
    String rid = requestIdNote(response);
    if (response.status() == 401 || response.status() == 403) {
      throw configurationError(response);
    }
    Optional<StripeError> error =
        response.ok() ? Optional.empty() : StripeError.parse(response.body());
    if (response.status() == 404 && error.isPresent()) {
      log.warn("Stripe does not know {}{}", what, rid);
      return Optional.empty();
    }
    if (!response.ok()) {
      throw new StripeException(
          "could not read "
              + what
              + ": HTTP "
              + response.status()
              + error
                  .map(
                      e ->
                          " "
                              + e.label()
                              + e.message().map(m -> ": " + StripeException.scrub(m)).orElse(""))
                  .orElse("")
              + rid,
          response.status(),
          error.map(StripeError::type).orElse(null),
          error.flatMap(StripeError::code).orElse(null),
          response.requestId().orElse(null));
    }
    Optional<JsonNode> body = Json.parse(response.body());
    if (body.isEmpty()) {
      throw new StripeException(
          "Stripe answered " + what + " with a body that is not a JSON object" + rid,
          response.status(),
          null,
          null,
          response.requestId().orElse(null));
    }
    return body;
  }

  // Stripe's own 401 message echoes a masked key; keep none of it.
  static StripeConfigurationException configurationError(StripeHttp.Response response) {
    Optional<StripeError> error = StripeError.parse(response.body());
    String why =
        response.status() == 401
            ? "Stripe refused the API key (HTTP 401): check that it is a valid secret key for this account"
            : "the API key lacks a permission this call needs (HTTP 403): use a secret key or grant the restricted key access";
    return new StripeConfigurationException(
        why + requestIdNote(response),
        response.status(),
        error.map(StripeError::type).orElse(null),
        error.flatMap(StripeError::code).orElse(null),
        response.requestId().orElse(null));
  }

  static String idempotencyKey(String key) {
    if (key == null || !VISIBLE_ASCII.matcher(key).matches() || key.length() > 255) {
      throw new InvalidInputException("idempotency key must be 1 to 255 visible ASCII characters");
    }
    return key;
  }

  static void metadataValue(String value, String what) {
    if (value == null || value.isEmpty() || value.length() > 500) {
      throw new InvalidInputException(
          what + " must be 1 to 500 characters (a Stripe metadata value)");
    }
  }

  static void stripeId(String value, String what) {
    if (value == null || !STRIPE_ID.matcher(value).matches()) {
      throw new InvalidInputException(
          what
              + " must be a Stripe id (letters, digits, underscores), got "
              + (value == null
                  ? "null"
                  : "\"" + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "\""));
    }
  }
}
