package dev.caravel.billing.stripe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The host's webhook endpoint, as the starter serves it: the raw body and {@code Stripe-Signature}
 * go to {@link StripeWebhooks#handle}; 200 with what it did, 400 for a delivery it refused (a bad
 * signature), 500 for anything else (Stripe then delivers again). Which {@link StripeWebhooks}
 * answers can be swapped, to play a second instance of the host that never saw the event.
 */
final class WebhookReceiver implements AutoCloseable {
  private final HttpServer server;
  private final AtomicReference<StripeWebhooks> webhooks = new AtomicReference<>();
  private final List<StripeWebhooks.Handled> handled = new CopyOnWriteArrayList<>();
  private final List<String> refused = new CopyOnWriteArrayList<>();

  WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/stripe/webhook", this::handle);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/stripe/webhook");
  }

  WebhookReceiver serve(StripeWebhooks instance) {
    webhooks.set(instance);
    return this;
  }

  /** What each accepted delivery did, oldest first. */
  List<StripeWebhooks.Handled> handled() {
    return List.copyOf(handled);
  }

  /** Why each refused delivery was refused, oldest first. */
  List<String> refused() {
    return List.copyOf(refused);
  }

  void clear() {
    handled.clear();
    refused.clear();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String signature = exchange.getRequestHeaders().getFirst("Stripe-Signature");
      int status;
      String answer;
      try {
        StripeWebhooks.Handled result = webhooks.get().handle(body, signature);
        handled.add(result);
        status = 200;
        answer = result.name();
      } catch (StripeWebhookException e) {
        refused.add(e.getMessage());
        status = 400;
        answer = e.getMessage();
      } catch (RuntimeException e) {
        status = 500;
        answer = e.getClass().getSimpleName();
      }
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
