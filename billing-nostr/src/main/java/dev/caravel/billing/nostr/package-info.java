/**
 * Nostr for the DM rail, as a host uses it: keys, events, a relay client, and {@link
 * dev.caravel.billing.nostr.NostrMessenger}. The NIP codecs (NIP-44, NIP-04, NIP-17, NIP-19) are in
 * {@code dev.caravel.billing.nostr.protocol}, exported only to the NWC module.
 */
package dev.caravel.billing.nostr;
