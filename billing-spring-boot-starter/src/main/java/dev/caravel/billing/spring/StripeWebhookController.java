package dev.caravel.billing.spring;

import dev.caravel.billing.stripe.StripeWebhookException;
import dev.caravel.billing.stripe.StripeWebhooks;
import java.util.Objects;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Stripe's webhook endpoint, at {@code caravel.billing.stripe.webhook-path} (default {@code
 * /caravel/stripe/webhook}). It hands the raw body and the {@code Stripe-Signature} header to
 * {@link StripeWebhooks}, which verifies the signature and drives the engine: 200 with {@code
 * APPLIED}, {@code DUPLICATE} or {@code IGNORED}; 400 for a bad signature, a stale timestamp, a
 * body that is not an event, or another API version (Stripe redelivers once fixed). The body has
 * been read by {@link WebhookBodyLimitFilter}, within {@code
 * caravel.billing.stripe.webhook-max-body} (a larger one is refused with 413 before it gets here).
 */
@RestController
public class StripeWebhookController {
  private static final System.Logger LOG =
      System.getLogger(StripeWebhookController.class.getName());
  private final StripeWebhooks webhooks;

  public StripeWebhookController(StripeWebhooks webhooks) {
    this.webhooks = Objects.requireNonNull(webhooks, "webhooks");
  }

  @PostMapping(
      path = "${caravel.billing.stripe.webhook-path:/caravel/stripe/webhook}",
      produces = "text/plain")
  public ResponseEntity<String> receive(
      @RequestBody byte[] body,
      @RequestHeader(name = "Stripe-Signature", required = false) String signature) {
    if (signature == null || signature.isBlank()) {
      return ResponseEntity.badRequest().body("missing Stripe-Signature header");
    }
    try {
      return ResponseEntity.ok(webhooks.handle(body, signature).name());
    } catch (StripeWebhookException e) {
      LOG.log(System.Logger.Level.WARNING, "Stripe webhook refused: {0}", e.getMessage());
      return ResponseEntity.badRequest().body(e.getMessage());
    }
  }
}
