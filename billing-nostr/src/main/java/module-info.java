// billing-nwc depends on this module, so it is not on the path when this one compiles: javac
// cannot find the target of the qualified export, which is expected ("module" lint suppressed).
// dev.caravel.billing.nostr.internal (hex, JSON, secp256k1, bech32, event fields, ECDH access)
// is exported to no one.
/** Nostr for Caravel Billing: keys, BIP-340, events, NIP-44, NIP-04, NIP-17 DMs, a relay client. */
@SuppressWarnings("module")
module dev.caravel.billing.nostr {
  requires transitive dev.caravel.billing;
  requires transitive java.net.http;
  requires transitive com.fasterxml.jackson.databind;
  requires org.bouncycastle.provider;
  requires org.slf4j;

  // What a host uses: keys, the messenger, the relay pool and what its API speaks (events,
  // filters, subscriptions, publish results), and the errors.
  exports dev.caravel.billing.nostr;
  // The NIP codecs (NIP-04, NIP-44, NIP-17, NIP-19) only the NWC wallet needs: no host's API.
  exports dev.caravel.billing.nostr.protocol to
      dev.caravel.billing.nwc;
}
