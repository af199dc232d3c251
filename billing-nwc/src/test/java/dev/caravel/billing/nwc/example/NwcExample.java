package dev.caravel.billing.nwc.example;

import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.LightningWallet.PayOutcome;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nwc.HttpExchangeRates;
import dev.caravel.billing.nwc.NwcUri;
import dev.caravel.billing.nwc.NwcWallet;
import dev.caravel.billing.nwc.NwcWalletConnector;
import java.time.Duration;

public class NwcExample {
  public static void main(String[] args) {
    HttpExchangeRates rates =
        HttpExchangeRates.builder().coinGecko().ttl(Duration.ofMinutes(5)).build();
    // The service's own wallet makes and looks up invoices; tenants' wallets pay them. One
    // relay pool serves the messenger and every wallet: one connection per relay URL, closed
    // after 5 idle minutes; the connector closes a tenant's session after 5 idle minutes.
    try (RelayClient pool = RelayClient.builder().idleTimeout(Duration.ofMinutes(5)).build();
        NwcWallet service =
            NwcWallet.builder(NwcUri.parse(System.getenv("SERVICE_NWC_URI")))
                .relayPool(pool)
                .replyTimeout(Duration.ofSeconds(30))
                .build();
        NwcWalletConnector tenants = NwcWalletConnector.builder().relayPool(pool).build()) {
      long msats = rates.toMsats(1999, "usd"); // $19.99
      LightningInvoice invoice =
          service.makeInvoice(msats, "Caravel invoice 42", Duration.ofHours(1));

      PayOutcome outcome =
          tenants.connect(System.getenv("TENANT_NWC_URI")).payInvoice(invoice.bolt11());
      if (outcome instanceof PayOutcome.Paid paid) {
        System.out.println("paid; preimage " + paid.preimage());
      } else if (outcome instanceof PayOutcome.Failed failed) {
        System.out.println("refused: " + failed.code() + " " + failed.message());
      } else {
        // Unknown: the payment may have gone through. Ask the service's wallet first.
        System.out.println("settled anyway? " + service.isSettled(invoice.bolt11()));
      }
    }
  }
}
