/**
 * The NIP codecs the NWC wallet speaks: NIP-44 and NIP-04 encryption, NIP-17 gift-wrapped DMs and
 * NIP-19 keys. Not a host's API: {@code module-info} exports this package only to {@code
 * dev.caravel.billing.nwc}. A host sends DMs with {@link dev.caravel.billing.nostr.NostrMessenger}.
 */
package dev.caravel.billing.nostr.protocol;
