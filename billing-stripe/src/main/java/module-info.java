/** The saved-card rail for Caravel Billing over Stripe's REST API, and its webhook verifier. */
module dev.caravel.billing.stripe {
  requires transitive dev.caravel.billing;
  requires transitive java.net.http;
  requires transitive com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports dev.caravel.billing.stripe;
}
