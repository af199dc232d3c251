/**
 * Nostr for the DM rail: keys, BIP-340 signatures, events, NIP-44 and NIP-04 encryption, NIP-17
 * gift-wrapped DMs, a relay client, and {@link dev.caravel.billing.nostr.NostrMessenger}.
 */
package dev.caravel.billing.nostr;
