package dev.caravel.billing.examples.host;

import dev.caravel.billing.Billing;
import dev.caravel.billing.documents.InvoiceRenderer;
import java.time.Clock;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The invoice document's renderer, linking where the engine's DMs link. */
@Configuration(proxyBeanMethods = false)
class InvoicePageConfiguration {
  @Bean
  InvoiceRenderer invoiceRenderer(
      Billing billing,
      @Qualifier("caravelBillingClock") Clock clock,
      @Value("${host.seller-name:Caravel Relays (demo)}") String sellerName) {
    return InvoiceRenderer.builder()
        .sellerName(sellerName)
        .paymentLinks(billing::invoiceLink) // the capability link the DMs carry
        .clock(clock)
        .build();
  }
}
