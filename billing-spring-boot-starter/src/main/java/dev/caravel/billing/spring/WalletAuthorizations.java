package dev.caravel.billing.spring;

import dev.caravel.billing.Billing;
import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.nwc.WalletAuthBudget;
import dev.caravel.billing.nwc.WalletAuthRequest;
import dev.caravel.billing.nwc.WalletAuthResult;
import dev.caravel.billing.nwc.WalletAuthWaiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Connecting a tenant's wallet by scanning a code (issue 24, NWC-08 {@code nostr+walletauth://}):
 * the account page starts a request, shows it while it waits, and the wallet's confirmation on the
 * relay stores the connection, sealed, as a pasted one would be (the card stays).
 *
 * <p>A request waits on this instance, on a thread of its own, for at most {@link #timeout}; a
 * tenant has one at a time (a new one replaces it), and at most {@link #MAX_WAITING} wait at once,
 * so repeated posts cannot take the instance's threads. The request lives in this instance's memory
 * only: a reload served by another instance shows no code, but the connection, once confirmed, is
 * stored for every instance.
 *
 * <p>The budget asked is {@link WalletAuthBudget}'s rule: twice the tenant's monthly total, with a
 * floor. The monthly total read here is the tenant's latest invoice total (its renewal, for a
 * tenant past its first month), or what its next invoice starts from when larger.
 */
final class WalletAuthorizations implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(WalletAuthorizations.class.getName());

  /** Requests waiting at once on one instance. */
  static final int MAX_WAITING = 64;

  /** A request shown to the tenant: its URI, the budget it asks, until when it waits. */
  record Pending(WalletAuthRequest request, long maxAmountMsats, Instant expiresAt) {}

  private final Billing billing;
  private final WalletAuthWaiter waiter;
  private final List<String> relays;
  private final String name;
  private final ExchangeRates rates;
  private final Duration timeout;
  private final Clock clock;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final Semaphore slots = new Semaphore(MAX_WAITING);
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "caravel-wallet-auth");
            t.setDaemon(true);
            return t;
          });

  WalletAuthorizations(
      Billing billing,
      WalletAuthWaiter waiter,
      List<String> relays,
      String name,
      ExchangeRates rates,
      Duration timeout,
      Clock clock) {
    this.billing = Objects.requireNonNull(billing, "billing");
    this.waiter = Objects.requireNonNull(waiter, "waiter");
    this.relays = List.copyOf(relays);
    if (this.relays.isEmpty()) {
      throw new IllegalArgumentException("a wallet connection request needs a relay");
    }
    this.name = Objects.requireNonNull(name, "name");
    this.rates = Objects.requireNonNull(rates, "rates");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Starts a request for {@code tenant}, replacing one it had; empty when none can start now (the
   * instance waits on {@link #MAX_WAITING} already, or no exchange rate could be had for the
   * budget).
   */
  Optional<Pending> start(String tenant) {
    long maxAmount;
    try {
      maxAmount =
          WalletAuthBudget.maxAmountMsats(
              monthlyTotal(tenant),
              billing.catalogue().currency(),
              rates,
              WalletAuthBudget.DEFAULT_FLOOR_MSATS);
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING, "no wallet request for {0}: {1}", tenant, e.getMessage());
      return Optional.empty();
    }
    if (!slots.tryAcquire()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "no wallet request for {0}: {1} wait already",
          tenant,
          MAX_WAITING);
      return Optional.empty();
    }
    WalletAuthRequest.Builder builder =
        WalletAuthRequest.builder().name(name).maxAmountMsats(maxAmount).clock(clock);
    relays.forEach(builder::relay);
    WalletAuthRequest request = builder.build();
    Pending started = new Pending(request, maxAmount, clock.instant().plus(timeout));
    pending.put(tenant, started);
    try {
      threads.execute(() -> await(tenant, started));
    } catch (RuntimeException e) {
      slots.release();
      pending.remove(tenant, started);
      throw e;
    }
    return Optional.of(started);
  }

  /** The tenant's request still waiting, if any. */
  Optional<Pending> pending(String tenant) {
    Pending p = pending.get(tenant);
    return p == null || !clock.instant().isBefore(p.expiresAt())
        ? Optional.empty()
        : Optional.of(p);
  }

  private void await(String tenant, Pending started) {
    try {
      WalletAuthResult result = waiter.await(started.request(), timeout);
      if (pending.get(tenant) != started) {
        return; // replaced by a newer request: that one decides
      }
      if (result instanceof WalletAuthResult.Connected connected && connected.canPay()) {
        billing.saveTenant(
            tenant, connected.connectionUri(), billing.stripeCustomer(tenant).orElse(null));
        LOG.log(System.Logger.Level.INFO, "tenant {0} connected a wallet by walletauth", tenant);
      } else if (result instanceof WalletAuthResult.Connected) {
        LOG.log(
            System.Logger.Level.WARNING,
            "tenant {0}: the wallet confirmed without pay_invoice; not stored",
            tenant);
      }
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "tenant {0}: waiting for the wallet failed: {1}",
          tenant,
          e.getMessage());
    } finally {
      pending.remove(tenant, started);
      slots.release();
    }
  }

  private long monthlyTotal(String tenant) {
    List<Invoice> invoices = billing.invoices(tenant);
    long latest = invoices.isEmpty() ? 0 : invoices.get(invoices.size() - 1).total();
    return Math.max(latest, Math.max(0, billing.unbilledBalance(tenant)));
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
