package dev.caravel.billing.micrometer;

import dev.caravel.billing.BillingListener;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.LightningWallet;
import dev.caravel.billing.LightningWallet.PayOutcome;
import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.RailException.Rail;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Caravel Billing's metrics in a Micrometer {@link MeterRegistry}. It is a {@link BillingListener}
 * (give it to {@code Billing.builder().listener(...)}) that counts invoices, amounts billed,
 * payments and DMs; it times cycles ({@link #timeCountCycle}, {@link #timeCycle}) and rail calls
 * (wrap the rails with {@link #timed(PaymentGateway)}, {@link #timed(WalletConnector)}, {@link
 * #timed(Messenger)}); and it reports the backlog of due and overdue invoices through gauges fed by
 * suppliers the host gives.
 *
 * <p>Tags are low-cardinality only: {@code rail}, {@code outcome} and (for amounts) {@code
 * currency}. No meter is ever tagged with a tenant or an invoice.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@value #INVOICES_CREATED}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@value #AMOUNT_BILLED}</td><td>counter, minor units</td><td>currency</td></tr>
 *   <tr><td>{@value #PAYMENTS}</td><td>counter</td><td>rail, outcome</td></tr>
 *   <tr><td>{@value #DMS}</td><td>counter</td><td>outcome ({@code sent}, {@code failed})</td></tr>
 *   <tr><td>{@value #CYCLES}</td><td>timer</td><td>outcome ({@code ok}, {@code failures},
 *       {@code error})</td></tr>
 *   <tr><td>{@value #CYCLE_FAILURES}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@value #RAIL_CALLS}</td><td>timer</td><td>rail, outcome</td></tr>
 *   <tr><td>{@value #DUE_INVOICES}, {@value #OVERDUE_INVOICES}</td><td>gauge</td><td></td></tr>
 * </table>
 */
public final class BillingMetrics implements BillingListener {
  /** Invoices the engine created. */
  public static final String INVOICES_CREATED = "caravel.billing.invoices.created";

  /** The sum of created invoices' totals, in the currency's minor units. */
  public static final String AMOUNT_BILLED = "caravel.billing.amount.billed";

  /**
   * Payment events. {@code rail}: the payment method for a success ({@code nwc}, {@code oob},
   * {@code stripe}, {@code manual}), else the rail ({@code nwc}, {@code stripe}, {@code dm});
   * {@code outcome}: {@code succeeded}, {@code failed}, {@code pending}, {@code needs_attention},
   * {@code refunded}, {@code disputed}.
   */
  public static final String PAYMENTS = "caravel.billing.payments";

  /** DMs asking for payment: {@code outcome} {@code sent} or {@code failed}. */
  public static final String DMS = "caravel.billing.dms";

  /** Billing cycles timed through {@link #timeCountCycle} or {@link #timeCycle}. */
  public static final String CYCLES = "caravel.billing.cycles";

  /**
   * Pages or collection passes that failed inside timed cycles ({@link
   * CycleReport.Counts#failures()}, {@link CycleReport#failures()}).
   */
  public static final String CYCLE_FAILURES = "caravel.billing.cycle.failures";

  /** A payment call on a rail: a card charge, a Lightning payment, a DM sent. */
  public static final String RAIL_CALLS = "caravel.billing.rail.calls";

  /** Invoices whose next payment round is due now. */
  public static final String DUE_INVOICES = "caravel.billing.invoices.due";

  /** Unpaid invoices past their grace, as the host's supplier defines it. */
  public static final String OVERDUE_INVOICES = "caravel.billing.invoices.overdue";

  private final MeterRegistry registry;
  private final Counter invoicesCreated;
  private final Counter cycleFailures;

  private BillingMetrics(Builder b) {
    this.registry = b.registry;
    this.invoicesCreated =
        Counter.builder(INVOICES_CREATED).description("Invoices created").register(registry);
    this.cycleFailures =
        Counter.builder(CYCLE_FAILURES)
            .description("Failed pages or collection passes inside billing cycles")
            .register(registry);
    if (b.dueInvoices != null) {
      Gauge.builder(DUE_INVOICES, b.dueInvoices)
          .description("Invoices whose next payment round is due")
          .register(registry);
    }
    if (b.overdueInvoices != null) {
      Gauge.builder(OVERDUE_INVOICES, b.overdueInvoices)
          .description("Unpaid invoices past their grace")
          .register(registry);
    }
  }

  /** A builder; only the registry is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The registry the meters are in. */
  public MeterRegistry registry() {
    return registry;
  }

  // ---- the listener ----

  @Override
  public void invoiceCreated(Invoice invoice) {
    invoicesCreated.increment();
    Counter.builder(AMOUNT_BILLED)
        .description("Amount billed on created invoices")
        .baseUnit("minor_units")
        .tag("currency", invoice.currency().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment(invoice.total());
  }

  @Override
  public void paymentSucceeded(Invoice invoice, Payment payment) {
    payment(payment.method().wireName(), "succeeded");
  }

  @Override
  public void paymentFailed(Invoice invoice, Rail rail, String error) {
    payment(rail.wireName(), "failed");
  }

  @Override
  public void paymentPending(Invoice invoice, String reference) {
    payment(Rail.STRIPE.wireName(), "pending");
  }

  @Override
  public void needsAttention(Invoice invoice, Rail rail, String reason) {
    payment(rail.wireName(), "needs_attention");
  }

  @Override
  public void paymentRefunded(Invoice invoice, String reference, long amountRefunded) {
    payment(Rail.STRIPE.wireName(), "refunded");
  }

  @Override
  public void paymentDisputed(
      Optional<Invoice> invoice, String reference, String disputeId, long amount, String reason) {
    payment(Rail.STRIPE.wireName(), "disputed");
  }

  @Override
  public void directMessageSent(Invoice invoice, String text) {
    dm("sent");
  }

  @Override
  public void directMessageFailed(Invoice invoice, String error) {
    dm("failed");
  }

  private void payment(String rail, String outcome) {
    Counter.builder(PAYMENTS)
        .description("Payment events by rail and outcome")
        .tag("rail", rail)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  private void dm(String outcome) {
    Counter.builder(DMS)
        .description("DMs asking for payment")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  // ---- cycles ----

  /**
   * Runs one cycle that keeps only counts (typically {@code billing::countCycle}, the cycle a
   * scheduled poll should run: its memory does not grow with the day's invoices) and times it:
   * {@code outcome=ok}, {@code failures} when {@link CycleReport.Counts#failures()} counts any
   * (they are added to {@value #CYCLE_FAILURES}), or {@code error} when it threw (the exception is
   * rethrown).
   */
  public CycleReport.Counts timeCountCycle(Supplier<CycleReport.Counts> cycle) {
    return time(cycle, CycleReport.Counts::failures);
  }

  /**
   * Runs one cycle that reports every invoice and payment ({@code billing::runCycle}) and times it
   * as {@link #timeCountCycle} does, from {@link CycleReport#failures()}. For a scheduled poll
   * prefer {@link #timeCountCycle}{@code (billing::countCycle)}: this report holds every invoice
   * the cycle made.
   */
  public CycleReport timeCycle(Supplier<CycleReport> cycle) {
    return time(cycle, CycleReport::failures);
  }

  /** Times {@code cycle}, its outcome and the failures counter read from what it returns. */
  private <T> T time(Supplier<T> cycle, ToIntFunction<T> failuresOf) {
    Objects.requireNonNull(cycle, "cycle");
    Timer.Sample sample = Timer.start(registry);
    String outcome = "error";
    try {
      T result = Objects.requireNonNull(cycle.get(), "the cycle returned null");
      int failures = failuresOf.applyAsInt(result);
      if (failures > 0) {
        cycleFailures.increment(failures);
        outcome = "failures";
      } else {
        outcome = "ok";
      }
      return result;
    } finally {
      sample.stop(
          Timer.builder(CYCLES)
              .description("Billing cycles")
              .tag("outcome", outcome)
              .register(registry));
    }
  }

  // ---- rail calls ----

  /**
   * {@code gateway} with its charges timed ({@value #RAIL_CALLS}, {@code rail=stripe}, {@code
   * outcome} {@code paid}, {@code pending}, {@code declined}, {@code needs_customer}, {@code
   * unknown}, {@code failed} or {@code error} when it threw). Every other call passes through.
   */
  public PaymentGateway timed(PaymentGateway gateway) {
    Objects.requireNonNull(gateway, "gateway");
    return new TimedRails.Gateway(gateway, this);
  }

  /**
   * {@code connector} whose wallets have their payments timed ({@code rail=nwc}, {@code outcome}
   * {@code paid}, {@code failed}, {@code unknown} or {@code error}). Other calls pass through.
   */
  public WalletConnector timed(WalletConnector connector) {
    Objects.requireNonNull(connector, "connector");
    return new TimedRails.Connector(connector, this);
  }

  /** {@code wallet} with its payments timed, as for {@link #timed(WalletConnector)}. */
  public LightningWallet timed(LightningWallet wallet) {
    Objects.requireNonNull(wallet, "wallet");
    return new TimedRails.Wallet(wallet, this);
  }

  /** {@code messenger} with its sends timed ({@code rail=dm}, {@code outcome} sent or error). */
  public Messenger timed(Messenger messenger) {
    Objects.requireNonNull(messenger, "messenger");
    return new TimedRails.TimedMessenger(messenger, this);
  }

  <T> T timeRail(Rail rail, Supplier<T> call, java.util.function.Function<T, String> outcome) {
    Timer.Sample sample = Timer.start(registry);
    String result = "error";
    try {
      T value = call.get();
      result = outcome.apply(value);
      return value;
    } finally {
      sample.stop(
          Timer.builder(RAIL_CALLS)
              .description("Payment calls on a rail")
              .tag("rail", rail.wireName())
              .tag("outcome", result)
              .register(registry));
    }
  }

  static String outcomeOf(ChargeOutcome outcome) {
    if (outcome instanceof ChargeOutcome.Paid) {
      return "paid";
    } else if (outcome instanceof ChargeOutcome.Pending) {
      return "pending";
    } else if (outcome instanceof ChargeOutcome.Declined) {
      return "declined";
    } else if (outcome instanceof ChargeOutcome.NeedsCustomer) {
      return "needs_customer";
    } else if (outcome instanceof ChargeOutcome.Unknown) {
      return "unknown";
    } else if (outcome instanceof ChargeOutcome.Failed) {
      return "failed";
    }
    return "other";
  }

  static String outcomeOf(PayOutcome outcome) {
    if (outcome instanceof PayOutcome.Paid) {
      return "paid";
    } else if (outcome instanceof PayOutcome.Failed) {
      return "failed";
    } else if (outcome instanceof PayOutcome.Unknown) {
      return "unknown";
    }
    return "other";
  }

  /**
   * Builds {@link BillingMetrics}. Setters check their argument at once ({@link
   * NullPointerException}); {@link #build} checks the registry was set ({@link
   * IllegalStateException}).
   */
  public static final class Builder {
    private MeterRegistry registry;
    private Supplier<Number> dueInvoices;
    private Supplier<Number> overdueInvoices;

    private Builder() {}

    /** The registry to register the meters in. Required. */
    public Builder registry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Feeds the {@value #DUE_INVOICES} gauge, read each time the registry samples it (keep it
     * cheap: a cached count). Without it, no such gauge.
     */
    public Builder dueInvoices(Supplier<? extends Number> count) {
      Objects.requireNonNull(count, "count");
      this.dueInvoices = count::get;
      return this;
    }

    /** Feeds the {@value #OVERDUE_INVOICES} gauge, as {@link #dueInvoices}. */
    public Builder overdueInvoices(Supplier<? extends Number> count) {
      Objects.requireNonNull(count, "count");
      this.overdueInvoices = count::get;
      return this;
    }

    /**
     * The metrics, their counters and gauges registered.
     *
     * @throws IllegalStateException without a registry
     */
    public BillingMetrics build() {
      if (registry == null) {
        throw new IllegalStateException("a registry is required");
      }
      return new BillingMetrics(this);
    }
  }
}
