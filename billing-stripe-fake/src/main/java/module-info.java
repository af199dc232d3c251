/**
 * A strict loopback stand-in for Stripe's API and its hosted Checkout page, for tests: published as
 * a test fixture, like OkHttp's mockwebserver. It does not depend on billing-stripe, whose own
 * tests run against it.
 */
module dev.caravel.billing.stripe.fake {
  requires transitive com.fasterxml.jackson.databind;
  requires java.net.http; // only to send webhooks: no java.net.http type in its API
  requires jdk.httpserver;

  exports dev.caravel.billing.stripe.fake;
}
