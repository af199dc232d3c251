package dev.caravel.billing.spring;

import dev.caravel.billing.LightningWallet;
import dev.caravel.billing.SecretCipher;
import dev.caravel.billing.nwc.NwcUri;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Lightning as the account page tests wire it: a wallet connector that checks URIs as billing-nwc
 * does, a service wallet the tests never pay through, and a cipher. Each test's host adds its own
 * exchange rate.
 */
@Configuration(proxyBeanMethods = false)
class PageTestLightning {
  @Bean
  LightningWallet.WalletConnector walletConnector() {
    return new LightningWallet.WalletConnector() {
      @Override
      public LightningWallet connect(String uri) {
        throw new UnsupportedOperationException("no payment in these tests");
      }

      @Override
      public void validate(String uri) {
        NwcUri.parse(uri);
      }
    };
  }

  /** Lightning is wired as a whole; no payment runs in these tests. */
  @Bean(name = CaravelBillingAutoConfiguration.SERVICE_WALLET)
  LightningWallet serviceWallet() {
    return new LightningWallet() {
      @Override
      public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
        throw new UnsupportedOperationException("no payment in these tests");
      }

      @Override
      public PayOutcome payInvoice(String bolt11) {
        throw new UnsupportedOperationException("no payment in these tests");
      }

      @Override
      public boolean isSettled(String bolt11) {
        throw new UnsupportedOperationException("no payment in these tests");
      }
    };
  }

  @Bean
  SecretCipher cipher() {
    return SecretCipher.aesGcm(new byte[32]);
  }
}
