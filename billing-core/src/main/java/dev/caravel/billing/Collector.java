package dev.caravel.billing;

import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.Tenant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * Collects a batch of invoices several at a time (S17). The concurrency of collection lives here
 * and in {@link RateLimiter}, nowhere else:
 *
 * <ol>
 *   <li><b>The workers</b>: a pool of {@code collectionConcurrency} daemon threads, started on
 *       demand and ended when idle. Each round runs on one of them under its invoice's lease, so
 *       the lease, not this class, keeps one round per invoice at a time and no invoice charged
 *       twice.
 *   <li><b>The dispatcher</b>: the thread that called {@link #collectAll}. It alone keeps the
 *       batch's books (what waits, what runs on which rail), so they need no lock; workers only
 *       hand back what they did through a queue.
 *   <li><b>Lanes (back-pressure)</b>: an invoice's lane is the first rail its round will call (NWC
 *       for a tenant with a wallet, else the card, else the DM). A lane holds at most its cap of
 *       the batch's slots while other invoices of the batch wait, so a slow wallet's invoices wait
 *       in their lane, unleased, while the other lanes go on. A lease is taken only when a round
 *       starts, so its TTL covers the rail calls (and the rate limit), not the wait in the lane.
 * </ol>
 *
 * A caller that is interrupted stops starting rounds and returns what ran; the rest are due and
 * collected by the next pass. Once {@link #close closed}, rounds run in the caller's thread.
 */
final class Collector implements AutoCloseable {
  private final EngineSettings settings;
  private final Repository repository;
  private final int concurrency;
  private final Map<Rail, Integer> laneCaps;

  /** Null when collecting one invoice at a time: rounds then run in the caller's thread. */
  private final ThreadPoolExecutor workers;

  /** A round of one invoice; the {@code Known} is what was read of it already (null: nothing). */
  interface Round extends BiFunction<String, PaymentCascade.Known, PaymentResult> {}

  Collector(EngineSettings settings) {
    this.settings = settings;
    this.repository = settings.repository();
    this.concurrency = settings.collection().concurrency();
    this.laneCaps = settings.collection().laneCaps();
    if (concurrency == 1) {
      workers = null;
    } else {
      AtomicInteger names = new AtomicInteger();
      workers =
          new ThreadPoolExecutor(
              concurrency,
              concurrency,
              30,
              TimeUnit.SECONDS,
              // Unbounded, but each dispatcher submits at most `concurrency` tasks at a time.
              new LinkedBlockingQueue<>(),
              r -> {
                Thread t = new Thread(r, "caravel-billing-collect-" + names.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      workers.allowCoreThreadTimeOut(true);
    }
  }

  /**
   * One worker's answer to the dispatcher: a lane found (with what was read to find it), or a
   * round's result.
   */
  private record Done(int index, Rail lane, PaymentCascade.Known known, PaymentResult result) {}

  /** An invoice's lane and what was read to find it (null if it could not be read). */
  private record Lane(Rail rail, PaymentCascade.Known known) {}

  /**
   * Runs a round for each invoice, at most {@code collectionConcurrency} at once and at most a
   * lane's cap on one lane; returns the results in the order of {@code invoiceIds} (those started,
   * if interrupted).
   */
  List<PaymentResult> collectAll(List<String> invoiceIds, Round round) {
    return collect(invoiceIds, null, round);
  }

  /**
   * {@link #collectAll} for invoices just made, as the claim returned them with how their tenants
   * pay: their lanes are found and their rounds run without reading them again (an invoice's amount
   * and tenant never change).
   */
  List<PaymentResult> collectMade(List<PaymentCascade.Known> made, Round round) {
    List<String> ids = new ArrayList<>(made.size());
    for (PaymentCascade.Known known : made) {
      ids.add(known.invoice().id());
    }
    return collect(ids, made, round);
  }

  /** {@code given}: what is known of each, in the order of {@code invoiceIds} (null: read). */
  private List<PaymentResult> collect(
      List<String> invoiceIds, List<PaymentCascade.Known> given, Round round) {
    int n = invoiceIds.size();
    if (workers == null || n == 1) {
      List<PaymentResult> results = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        if (Thread.currentThread().isInterrupted()) {
          break;
        }
        results.add(round.apply(invoiceIds.get(i), given == null ? null : given.get(i)));
      }
      return results;
    }
    PaymentResult[] results = new PaymentResult[n];
    PaymentCascade.Known[] known = new PaymentCascade.Known[n];
    BlockingQueue<Done> done = new LinkedBlockingQueue<>();
    Map<Rail, ArrayDeque<Integer>> waiting = new EnumMap<>(Rail.class);
    Map<Rail, Integer> running = new EnumMap<>(Rail.class);
    for (Rail rail : Rail.values()) {
      waiting.put(rail, new ArrayDeque<>());
      running.put(rail, 0);
    }
    int classified = 0; // invoices 0..classified-1 have been handed out to find their lane
    int inFlight = 0;
    boolean interrupted = false;
    while (true) {
      // Start what fits: invoices whose lane has room first, then find the lane of new ones.
      while (!interrupted && inFlight < concurrency) {
        Rail lane = laneWithRoom(waiting, running, classified == n);
        if (lane != null) {
          int i = waiting.get(lane).poll();
          running.merge(lane, 1, Integer::sum);
          inFlight++;
          submit(done, i, invoiceIds.get(i), lane, known[i], null, round);
          known[i] = null;
        } else if (classified < n) {
          int i = classified++;
          inFlight++;
          submit(
              done, i, invoiceIds.get(i), null, null, given == null ? null : given.get(i), round);
        } else {
          break;
        }
      }
      if (inFlight == 0) {
        break;
      }
      Done d;
      try {
        d = done.take();
      } catch (InterruptedException e) {
        // Stop starting rounds, but wait for those under way: their leases are ours to end.
        interrupted = true;
        continue;
      }
      inFlight--;
      if (d.result() == null) {
        known[d.index()] = d.known();
        waiting.get(d.lane()).add(d.index());
      } else {
        running.merge(d.lane(), -1, Integer::sum);
        results[d.index()] = d.result();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    List<PaymentResult> out = new ArrayList<>(n);
    for (PaymentResult r : results) {
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * The lane whose next invoice may start: one under its cap; or, once every invoice of the batch
   * has its lane and no lane under its cap has any waiting, any lane with invoices waiting, since a
   * slot left idle then would hold back nobody.
   */
  private Rail laneWithRoom(
      Map<Rail, ArrayDeque<Integer>> waiting, Map<Rail, Integer> running, boolean allKnown) {
    Rail overflow = null;
    for (Rail rail : Rail.values()) {
      if (waiting.get(rail).isEmpty()) {
        continue;
      }
      if (running.get(rail) < laneCaps.get(rail)) {
        return rail;
      }
      overflow = overflow == null ? rail : overflow;
    }
    return allKnown ? overflow : null;
  }

  /**
   * The first rail the invoice's round will call, as the cascade decides it (S9). {@code given}:
   * the invoice and its tenant, if the caller has them (null: read them).
   */
  private Lane laneOf(String invoiceId, PaymentCascade.Known given) {
    try {
      PaymentCascade.Known known = given;
      if (known == null) {
        Optional<Invoice> invoice = repository.findInvoice(invoiceId);
        Optional<Tenant> tenant = invoice.flatMap(i -> repository.findTenant(i.tenant()));
        if (tenant.isEmpty()) {
          return new Lane(Rail.DM, null);
        }
        known = new PaymentCascade.Known(invoice.get(), tenant.get());
      }
      Tenant payer = known.tenant();
      if (payer.sealedNwcUri().isPresent()
          && settings.walletConnector() != null
          && settings.serviceWallet() != null) {
        return new Lane(Rail.NWC, known);
      }
      if (payer.stripeCustomerId().isPresent() && settings.paymentGateway() != null) {
        return new Lane(Rail.STRIPE, known);
      }
      return new Lane(Rail.DM, known);
    } catch (RuntimeException e) {
      // The round reads the same rows and reports the failure; any lane will do.
      return new Lane(Rail.DM, null);
    }
  }

  /**
   * Hands invoice {@code i} to a worker: to find its lane ({@code lane} null; {@code given}, what
   * is known of it) or to run its round. The dispatcher hears back whatever happens, even an Error,
   * so it never waits forever. Once closed, runs it here.
   */
  private void submit(
      BlockingQueue<Done> done,
      int i,
      String id,
      Rail lane,
      PaymentCascade.Known known,
      PaymentCascade.Known given,
      Round round) {
    Runnable task =
        () -> {
          Done answer = null;
          try {
            if (lane == null) {
              Lane found = laneOf(id, given);
              answer = new Done(i, found.rail(), found.known(), null);
            } else {
              answer = new Done(i, lane, null, round.apply(id, known));
            }
          } finally {
            if (answer == null) {
              answer =
                  new Done(
                      i,
                      lane == null ? Rail.DM : lane,
                      null,
                      lane == null
                          ? null
                          : new PaymentResult.Unknown(
                              id,
                              "the round failed unexpectedly",
                              settings.now().plus(settings.unknownRetryDelay())));
            }
            done.add(answer);
          }
        };
    try {
      workers.execute(task);
    } catch (RejectedExecutionException closed) {
      task.run();
    }
  }

  /**
   * Lets the rounds under way finish (up to {@code grace}), then interrupts what is left: a round
   * waiting for a rate limit gives up before its rail call, leaving the round open to be resumed.
   */
  void close(long graceMillis) {
    if (workers == null) {
      return;
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
        workers.awaitTermination(graceMillis, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(30_000);
  }

  /** Whether worker threads are alive: for tests of {@link Billing#close}. */
  boolean workersAlive() {
    return workers != null && workers.getPoolSize() > 0;
  }
}
