package dev.caravel.billing.spring;

import dev.caravel.billing.Billing;
import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.SecretCipher;
import dev.caravel.billing.documents.AccountPage;
import dev.caravel.billing.documents.InvoiceRenderer;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nwc.NwcConnectionCheck;
import dev.caravel.billing.nwc.WalletAuthWaiter;
import dev.caravel.billing.stripe.StripeGateway;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * Serves the tenant's own page ({@link AccountPageController}) in a servlet web application once
 * {@code caravel.billing.link-secret} is set (its links are capabilities made with it), unless
 * {@code caravel.billing.account-page.enabled=false}. The page renders money, dates and invoice
 * links with the host's {@link InvoiceRenderer} bean, or one of its own.
 */
@AutoConfiguration(after = CaravelBillingAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "org.springframework.web.bind.annotation.RestController")
@ConditionalOnBean(Billing.class)
@ConditionalOnProperty(prefix = "caravel.billing", name = "link-secret")
public class CaravelBillingAccountPageAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  InvoiceRenderer caravelInvoiceRenderer(
      CaravelBillingProperties properties,
      Billing billing,
      @Qualifier("caravelBillingClock") Clock clock) {
    return InvoiceRenderer.builder()
        .sellerName(properties.getAccountPage().getSellerName())
        .appUrl(properties.getAppUrl().strip())
        .paymentLinks(billing::invoiceLink)
        .clock(clock)
        .build();
  }

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(
      prefix = "caravel.billing.account-page",
      name = "enabled",
      matchIfMissing = true)
  AccountPageController caravelAccountPageController(
      CaravelBillingProperties properties,
      Billing billing,
      InvoiceRenderer renderer,
      @Qualifier("caravelBillingClock") Clock clock,
      ObjectProvider<WalletConnector> connector,
      ObjectProvider<SecretCipher> cipher,
      ObjectProvider<RelayClient> relayPool,
      ObjectProvider<ExchangeRates> rates,
      ObjectProvider<PaymentGateway> gateway) {
    // A wallet can be connected here only if the engine can check and seal it.
    boolean wallets = connector.getIfAvailable() != null && cipher.getIfAvailable() != null;
    RelayClient pool = relayPool.getIfAvailable();
    // The host's pool, so a tenant's relays stay under its address rules.
    Optional<NwcConnectionCheck> check =
        Optional.ofNullable(pool).map(p -> NwcConnectionCheck.builder().relayPool(p).build());
    List<String> relays = properties.getAccountPage().getWalletRelays();
    if (relays.isEmpty()) {
      relays = properties.getNostr().getRelays();
    }
    Optional<WalletAuthorizations> authorizations = Optional.empty();
    if (wallets && pool != null && rates.getIfAvailable() != null && !relays.isEmpty()) {
      authorizations =
          Optional.of(
              new WalletAuthorizations(
                  billing,
                  WalletAuthWaiter.builder().relayPool(pool).build(),
                  relays,
                  properties.getAccountPage().getSellerName(),
                  rates.getIfAvailable(),
                  properties.getAccountPage().getWalletAuthTimeout(),
                  clock));
    }
    Optional<NwcConnectionCheck> checks = check;
    Optional<WalletAuthorizations> scans = authorizations;
    Optional<PaymentGateway> cardGateway = Optional.ofNullable(gateway.getIfAvailable());
    return new AccountPageController(
        billing,
        AccountPage.of(renderer),
        billing.catalogue().currency(),
        clock,
        wallets,
        backToPage -> new AccountWallets(billing, checks, scans, backToPage),
        backToPage ->
            new AccountCards(
                billing,
                cardGateway,
                cardGateway.orElse(null) instanceof StripeGateway stripe
                    ? Optional.of(stripe.cards())
                    : Optional.empty(),
                properties.getAccountPage().getCheckoutOrigin(),
                backToPage));
  }
}
