package dev.caravel.billing.stripe.fake;

import static dev.caravel.billing.stripe.fake.FakeCheckout.PAGE_PATH;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Stripe's hosted Checkout page for a setup session ({@code GET /c/pay/{session}} on the fake's
 * 127.0.0.1 port, no JavaScript): one form with a "Save card" button, whose POST completes the
 * session ({@link FakeCheckout#complete}), sends the {@code checkout.session.completed} event
 * before answering, and answers 303 to the session's {@code success_url}.
 */
final class CheckoutPage {
  /**
   * Stripe's own placeholder in a {@code success_url}, replaced by the session's id on the way back
   * from the hosted page. Spelled out here rather than taken from billing-stripe, which the fake
   * must not depend on (billing-stripe's tests depend on the fake).
   */
  static final String SESSION_ID_TEMPLATE = "{CHECKOUT_SESSION_ID}";

  private final FakeCheckout checkout;
  private final WebhookSender webhooks;

  CheckoutPage(FakeCheckout checkout, WebhookSender webhooks) {
    this.checkout = checkout;
    this.webhooks = webhooks;
  }

  void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String id = exchange.getRequestURI().getRawPath().substring(PAGE_PATH.length());
      exchange.getRequestBody().readAllBytes();
      Optional<ObjectNode> session = checkout.session(id);
      if (session.isEmpty()) {
        html(exchange, 404, page("Not found", "<p>This checkout page does not exist.</p>"));
        return;
      }
      switch (exchange.getRequestMethod()) {
        case "GET" -> html(exchange, 200, form(session.get()));
        case "POST" -> {
          Optional<String> event = checkout.complete(id);
          event.ifPresent(webhooks::sendNew);
          String success =
              session.get().path("success_url").asText().replace(SESSION_ID_TEMPLATE, id);
          exchange.getResponseHeaders().set("Location", success);
          exchange.sendResponseHeaders(303, -1);
        }
        default -> {
          exchange.getResponseHeaders().set("Allow", "GET, POST");
          exchange.sendResponseHeaders(405, -1);
        }
      }
    }
  }

  private static String form(ObjectNode session) {
    String id = escape(session.path("id").asText());
    if (!"open".equals(session.path("status").asText())) {
      return page(
          "Card saved",
          "<p>This card setup is complete.</p><p><a href=\""
              + escape(
                  session
                      .path("success_url")
                      .asText()
                      .replace(SESSION_ID_TEMPLATE, session.path("id").asText()))
              + "\">Return to the merchant</a></p>");
    }
    return page(
        "Save a card",
        "<p>Test card: Visa ending in 4242, expiring 12/2030.</p>"
            + "<form method=\"post\" action=\""
            + PAGE_PATH
            + id
            + "\"><button type=\"submit\">Save card</button></form>"
            + "<p><a href=\""
            + escape(session.path("cancel_url").asText())
            + "\">Cancel and go back</a></p>");
  }

  private static String page(String title, String body) {
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>"
        + title
        + " - Fake Stripe Checkout</title></head><body><main><h1>"
        + title
        + "</h1>"
        + body
        + "</main></body></html>";
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  private static void html(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
