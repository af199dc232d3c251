/** Nostr for Caravel Billing: keys, BIP-340, events, NIP-44, NIP-04, NIP-17 DMs, a relay client. */
module dev.caravel.billing.nostr {
  requires transitive dev.caravel.billing;
  requires transitive java.net.http;
  requires transitive com.fasterxml.jackson.databind;
  requires org.bouncycastle.provider;
  requires org.slf4j;

  exports dev.caravel.billing.nostr;
}
