package dev.caravel.billing.nostr;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * What a {@link RelayClient.Builder} set, as every connection of the pool reads it.
 *
 * @param httpClient dials the relays the host configured or trusts (and fetches their NIP-11)
 * @param untrustedDialer dials every other relay, at addresses its policy checked
 * @param trusted relays the host trusts without making them default targets
 */
record RelayPoolSettings(
    Duration publishTimeout,
    Duration connectTimeout,
    int maxMessageChars,
    int maxQueuedMessages,
    Duration backoffInitial,
    Duration backoffMax,
    Duration pingInterval,
    BiConsumer<URI, String> noticeHandler,
    HttpClient httpClient,
    Duration idleTimeout,
    int maxConnections,
    PinnedDialer untrustedDialer,
    Set<URI> trusted) {}
