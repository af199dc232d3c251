package dev.caravel.billing.nostr;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.nostr.internal.Json;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * What a relay's NIP-11 document says about message sizes. A relay that serves none (or an
 * unreadable one) is taken to accept {@link #DEFAULT_MAX_MESSAGE} characters per message.
 *
 * @param maxMessageLength the longest {@code ["EVENT", ...]} message, in characters
 * @param maxContentLength the longest event content, in characters, or 0 when not stated
 */
record RelayInfo(int maxMessageLength, int maxContentLength) {
  /** 64 KiB: what the pool assumes when a relay states no limit. */
  static final int DEFAULT_MAX_MESSAGE = 64 * 1024;

  static final RelayInfo UNKNOWN = new RelayInfo(DEFAULT_MAX_MESSAGE, 0);

  /** How long a fetched document is believed. */
  private static final long TTL_NANOS = Duration.ofHours(1).toNanos();

  /** A fetched document and when ({@code System.nanoTime()}). */
  record Cached(RelayInfo info, long fetchedNanos) {
    boolean fresh() {
      return System.nanoTime() - fetchedNanos < TTL_NANOS;
    }
  }

  private static final int MAX_DOCUMENT_BYTES = 64 * 1024;

  /**
   * Fetches a host-configured {@code relay}'s NIP-11 document over http(s) with the host's client;
   * {@link #UNKNOWN} when it has none.
   */
  static RelayInfo fetch(HttpClient http, URI relay, Duration timeout) {
    URI document = documentOf(relay);
    try {
      HttpResponse<InputStream> response =
          http.send(
              HttpRequest.newBuilder(document)
                  .timeout(timeout)
                  .version(
                      HttpClient.Version
                          .HTTP_1_1) // no h2c upgrade: relays route Upgrade to WebSocket
                  .header("Accept", "application/nostr+json")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          return UNKNOWN;
        }
        byte[] bytes = body.readNBytes(MAX_DOCUMENT_BYTES + 1);
        if (bytes.length > MAX_DOCUMENT_BYTES) {
          return UNKNOWN;
        }
        return parse(
            Json.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8), "NIP-11"));
      }
    } catch (java.io.IOException | RuntimeException e) {
      return UNKNOWN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return UNKNOWN;
    }
  }

  /**
   * Fetches the NIP-11 document of a relay the host did not configure from an address the policy
   * checked (see {@link PinnedDialer}); {@link #UNKNOWN} when it has none, or when the relay is
   * refused or unreachable.
   */
  static RelayInfo fetchPinned(PinnedDialer dialer, URI relay) {
    try {
      byte[] body =
          PinnedHttpGet.get(
              dialer, relay, documentOf(relay), "application/nostr+json", MAX_DOCUMENT_BYTES);
      return body == null
          ? UNKNOWN
          : parse(Json.parse(new String(body, java.nio.charset.StandardCharsets.UTF_8), "NIP-11"));
    } catch (java.io.IOException | RuntimeException e) {
      return UNKNOWN;
    }
  }

  /** The http(s) URL of a ws(s) relay's NIP-11 document. */
  private static URI documentOf(URI relay) {
    return URI.create(
        (relay.getScheme().equals("wss") ? "https" : "http")
            + relay.toString().substring(relay.getScheme().length()));
  }

  static RelayInfo parse(JsonNode doc) {
    JsonNode limits = doc.path("limitation");
    int message = positive(limits.path("max_message_length"), DEFAULT_MAX_MESSAGE);
    int content = positive(limits.path("max_content_length"), 0);
    return new RelayInfo(message, content);
  }

  private static int positive(JsonNode n, int fallback) {
    return n.isIntegralNumber() && n.canConvertToInt() && n.intValue() > 0
        ? n.intValue()
        : fallback;
  }

  /** Null when {@code event} fits, else why not. */
  String tooLarge(Event event) {
    int message =
        Json.write(Json.MAPPER.createArrayNode().add("EVENT").add(event.toJsonNode())).length();
    if (message > maxMessageLength) {
      return "the message would be "
          + message
          + " characters; the relay takes at most "
          + maxMessageLength;
    }
    if (maxContentLength > 0 && event.content().length() > maxContentLength) {
      return "the event content would be "
          + event.content().length()
          + " characters; the relay takes at most "
          + maxContentLength;
    }
    return null;
  }
}
