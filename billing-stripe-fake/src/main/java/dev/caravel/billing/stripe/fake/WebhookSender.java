package dev.caravel.billing.stripe.fake;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The events {@link FakeCheckout} sends, and their deliveries: each a POST to the endpoint a test
 * set, signed ({@code Stripe-Signature: t=…,v1=…}) as Stripe signs them.
 */
final class WebhookSender {
  /** One webhook delivery and what the endpoint answered (-1: no answer). */
  record Delivery(String eventId, String type, int status) {}

  private static final HttpClient WEBHOOK_CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private final Object lock;

  // Guarded by lock (the FakeStripe instance, like the rest of the fake's state).
  private final Map<String, String> events = new LinkedHashMap<>();
  private final List<Delivery> deliveries = new ArrayList<>();
  private URI webhookEndpoint;
  private String webhookSecret;

  WebhookSender(Object lock) {
    this.lock = lock;
  }

  void reset() {
    synchronized (lock) {
      events.clear();
      deliveries.clear();
      webhookEndpoint = null;
      webhookSecret = null;
    }
  }

  /** Where events go, signed with {@code secret}. */
  void configure(URI endpoint, String secret) {
    synchronized (lock) {
      this.webhookEndpoint = endpoint;
      this.webhookSecret = secret;
    }
  }

  /** Every delivery so far, oldest first. */
  List<Delivery> deliveries() {
    synchronized (lock) {
      return List.copyOf(deliveries);
    }
  }

  /** Ids of the events kept, oldest first. */
  List<String> events() {
    synchronized (lock) {
      return List.copyOf(events.keySet());
    }
  }

  /** Keeps an event to send (now, and again on {@link #redeliver}). */
  void record(String eventId, String payload) {
    synchronized (lock) {
      events.put(eventId, payload);
    }
  }

  /** Sends a kept event again, signed with the endpoint's secret. */
  int redeliver(String eventId) {
    String secret;
    synchronized (lock) {
      secret = webhookSecret;
    }
    return deliver(eventId, secret);
  }

  /**
   * Sends a kept event to the endpoint, signed with {@code secret}; answers the endpoint's status
   * (-1: no answer).
   */
  int deliver(String eventId, String secret) {
    String payload;
    URI endpoint;
    synchronized (lock) {
      payload = events.get(eventId);
      endpoint = webhookEndpoint;
    }
    if (payload == null || endpoint == null) {
      throw new IllegalStateException("no event " + eventId + " or no webhook endpoint");
    }
    return send(eventId, "checkout.session.completed", payload, endpoint, secret);
  }

  /** Sends a new event to the endpoint, if a test set one. */
  void sendNew(String eventId) {
    String secret;
    URI endpoint;
    String payload;
    synchronized (lock) {
      secret = webhookSecret;
      endpoint = webhookEndpoint;
      payload = events.get(eventId);
    }
    if (endpoint != null) {
      send(eventId, "checkout.session.completed", payload, endpoint, secret);
    }
  }

  /** One signed POST, outside the fake's lock: the receiver may call the fake's API meanwhile. */
  private int send(String eventId, String type, String payload, URI endpoint, String secret) {
    long t = Instant.now().getEpochSecond();
    int status;
    try {
      HttpResponse<String> response =
          WEBHOOK_CLIENT.send(
              HttpRequest.newBuilder(endpoint)
                  .timeout(Duration.ofSeconds(10))
                  .header("Content-Type", "application/json; charset=utf-8")
                  .header("Stripe-Signature", "t=" + t + ",v1=" + sign(secret, t, payload))
                  .POST(HttpRequest.BodyPublishers.ofString(payload, StandardCharsets.UTF_8))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      status = response.statusCode();
    } catch (IOException e) {
      status = -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = -1;
    }
    synchronized (lock) {
      deliveries.add(new Delivery(eventId, type, status));
    }
    return status;
  }

  static String sign(String secret, long t, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of()
          .formatHex(mac.doFinal((t + "." + payload).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
