package dev.caravel.billing.micrometer;

import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.LightningWallet;
import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.PaymentGateway;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** In-process rails: a service wallet, tenant wallets that pay or fail by URI, a card, a DM. */
final class Rails {
  private Rails() {}

  static final String PAYING_WALLET = "nwc-pays";

  static final class ServiceWallet implements LightningWallet {
    private final Clock clock;
    private final AtomicInteger counter = new AtomicInteger();

    ServiceWallet(Clock clock) {
      this.clock = clock;
    }

    @Override
    public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
      String bolt11 = "lnbc" + msats + "n1fake" + counter.incrementAndGet();
      return new LightningInvoice(bolt11, "hash-" + bolt11, msats, clock.instant().plus(expiry));
    }

    @Override
    public PayOutcome payInvoice(String bolt11) {
      throw new UnsupportedOperationException("the service wallet does not pay");
    }

    @Override
    public boolean isSettled(String bolt11) {
      return false;
    }
  }

  /** Opens a wallet that pays for {@link #PAYING_WALLET}, and one that fails for any other URI. */
  static final class Connector implements WalletConnector {
    @Override
    public LightningWallet connect(String uri) {
      boolean pays = PAYING_WALLET.equals(uri);
      return new LightningWallet() {
        @Override
        public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
          throw new UnsupportedOperationException();
        }

        @Override
        public PayOutcome payInvoice(String bolt11) {
          return pays
              ? new PayOutcome.Paid("preimage-" + bolt11)
              : new PayOutcome.Failed("INSUFFICIENT_BALANCE", "no funds");
        }

        @Override
        public boolean isSettled(String bolt11) {
          return false;
        }
      };
    }
  }

  static final ExchangeRates RATES = (minor, currency) -> minor * 1_000;

  /** Every card is declined. */
  static final class DecliningGateway implements PaymentGateway {
    final AtomicInteger charges = new AtomicInteger();

    @Override
    public Optional<String> savedPaymentMethod(String customerId) {
      return Optional.of("pm_card");
    }

    @Override
    public ChargeOutcome charge(ChargeRequest request) {
      charges.incrementAndGet();
      return new ChargeOutcome.Declined("card_declined", "Your card was declined.");
    }
  }

  /** Delivers every DM, except to the recipients it was told to fail. */
  static final class Inbox implements Messenger {
    final List<String> sent = new CopyOnWriteArrayList<>();
    final List<String> unreachable = new CopyOnWriteArrayList<>();

    @Override
    public void send(String recipientPubkey, String text) {
      if (unreachable.contains(recipientPubkey)) {
        throw new IllegalStateException("no relay accepted the DM");
      }
      sent.add(recipientPubkey);
    }
  }
}
