/** Lightning for Caravel Billing over Nostr Wallet Connect (NIP-47), and HTTP exchange rates. */
module dev.caravel.billing.nwc {
  requires transitive dev.caravel.billing;
  requires transitive dev.caravel.billing.nostr;
  requires transitive java.net.http;
  requires transitive com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports dev.caravel.billing.nwc;
}
