package dev.caravel.billing.examples.host;

import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.LightningWallet;
import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.spring.CaravelBillingAutoConfiguration;
import java.time.Clock;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The demo rails as beans, so the starter's real ones (built from {@code caravel.billing.stripe.*},
 * {@code .nwc.*}, {@code .nostr.*}) back off: every starter bean is {@code
 * ConditionalOnMissingBean}. {@code host.demo-rails=false} drops them, and the properties choose
 * the real rails instead.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
    prefix = "host",
    name = "demo-rails",
    havingValue = "true",
    matchIfMissing = true)
class DemoRailsConfiguration {
  @Bean(name = CaravelBillingAutoConfiguration.SERVICE_WALLET)
  LightningWallet demoServiceWallet(@Qualifier("caravelBillingClock") Clock clock) {
    return new DemoRails.ServiceWallet(clock);
  }

  @Bean
  WalletConnector demoWalletConnector() {
    return new DemoRails.Connector();
  }

  /** The card rail ({@code PaymentGateway}): every charge succeeds. */
  @Bean
  DemoRails.Card demoCard() {
    return new DemoRails.Card();
  }

  @Bean
  ExchangeRates demoExchangeRates() {
    return new DemoRails.Rates();
  }

  @Bean
  Messenger demoMessenger() {
    return new DemoRails.Dms();
  }
}
