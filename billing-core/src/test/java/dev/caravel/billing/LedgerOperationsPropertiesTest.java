package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The properties of issue 14 over random histories of activity, adjustments, polls, card outcomes,
 * payments by hand, second payments, voids, write-offs and refunds: conservation (S14) and standing
 * as a pure function of the invoices, their payments and rounds, and the clock (S13).
 */
class LedgerOperationsPropertiesTest {
  private static final int TENANTS = 4;

  /** One random history, run step by step; {@code check} runs after every step. */
  private static final class History {
    final MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
    final InMemoryRepository repository = new InMemoryRepository();
    final FakeRails.GatewayWithRefunds gateway = new FakeRails.GatewayWithRefunds();
    final Billing billing;
    final Billing otherInstance;
    final Random random;
    final Map<String, List<String>> relays = new HashMap<>();
    int ids;

    History(long seed) {
      random = new Random(seed);
      billing = Fixtures.engine(repository, clock).paymentGateway(gateway).build();
      otherInstance =
          Fixtures.engine(repository, clock).paymentGateway(gateway).instanceId("other").build();
      for (int t = 0; t < TENANTS; t++) {
        String tenant = tenant(t);
        relays.put(tenant, new ArrayList<>());
        if (t % 2 == 0) {
          billing.saveTenant(tenant, null, "cus_" + t);
          gateway.savedMethods.put("cus_" + t, "pm_" + t);
        }
      }
    }

    static String tenant(int t) {
      return Fixtures.tenant(100 + t);
    }

    String anyTenant() {
      return tenant(random.nextInt(TENANTS));
    }

    Optional<Invoice> anyInvoice(java.util.function.Predicate<Invoice> which) {
      List<Invoice> all = new ArrayList<>();
      for (int t = 0; t < TENANTS; t++) {
        repository.invoices(tenant(t)).stream().filter(which).forEach(all::add);
      }
      return all.isEmpty() ? Optional.empty() : Optional.of(all.get(random.nextInt(all.size())));
    }

    void step() {
      clock.advance(Duration.ofHours(1 + random.nextInt(120)));
      String tenant = anyTenant();
      switch (random.nextInt(11)) {
        case 0, 1 -> {
          String relay = "r" + ++ids;
          billing.record(Activity.create("c" + ids, tenant, relay, "basic", clock.instant()));
          relays.get(tenant).add(relay);
        }
        case 2 -> {
          if (!relays.get(tenant).isEmpty()) {
            String relay = relays.get(tenant).get(random.nextInt(relays.get(tenant).size()));
            billing.record(
                random.nextBoolean()
                    ? Activity.deactivate("d" + ++ids, tenant, relay, clock.instant())
                    : Activity.update("u" + ++ids, tenant, relay, "pro", clock.instant()));
          }
        }
        case 3 -> {
          if (repository.findTenant(tenant).isPresent() && !repository.items(tenant).isEmpty()) {
            billing.credit(tenant, 1 + random.nextInt(900), "credit", "k" + ++ids);
          }
        }
        case 4 -> {
          if (repository.findTenant(tenant).isPresent() && !repository.items(tenant).isEmpty()) {
            billing.charge(tenant, 1 + random.nextInt(900), "charge", "k" + ++ids);
          }
        }
        case 5, 6 -> {
          for (int i = 0; i < 3; i++) {
            gateway.script.add(
                switch (random.nextInt(4)) {
                  case 0 -> new ChargeOutcome.Declined("card_declined", "declined");
                  case 1 -> new ChargeOutcome.Pending("pi_p" + ++ids);
                  default -> new ChargeOutcome.Paid("pi_" + ++ids);
                });
          }
          (random.nextBoolean() ? billing : otherInstance).runCycle();
        }
        case 7 ->
            anyInvoice(Invoice::isOpen)
                .ifPresent(i -> billing.settle(i.id(), PaymentMethod.MANUAL, "bank-" + ++ids));
        case 8 ->
            anyInvoice(Invoice::isOpen)
                .ifPresent(
                    i -> {
                      if (random.nextBoolean()) {
                        billing.voidInvoice(i.id(), "mistake");
                      } else {
                        billing.writeOff(i.id(), "gone");
                      }
                    });
        case 9 ->
            anyInvoice(Invoice::isPaid)
                .ifPresent(
                    i -> {
                      long left = billing.balance(i.id()).net();
                      if (left > 0) {
                        billing.refund(
                            i.id(),
                            1 + random.nextInt((int) left),
                            "refund",
                            "rf" + ++ids,
                            random.nextBoolean()
                                ? Payment.Refund.Via.CREDIT
                                : i.payment().get().method() == PaymentMethod.STRIPE
                                    ? Payment.Refund.Via.CARD
                                    : Payment.Refund.Via.BY_HAND);
                      }
                    });
        default ->
            anyInvoice(Invoice::isPaid)
                .ifPresent(i -> billing.settle(i.id(), PaymentMethod.MANUAL, "twice-" + ++ids));
      }
    }
  }

  @Property(tries = 60)
  void billedLessCreditedVoidedAndRefundedIsCollectedPlusOutstanding(@ForAll long seed) {
    History h = new History(seed);
    for (int step = 0; step < 60; step++) {
      h.step();
      long billed = 0;
      long credited = 0;
      long voided = 0;
      long refunded = 0;
      long paid = 0;
      long outstanding = 0;
      for (int t = 0; t < TENANTS; t++) {
        String tenant = History.tenant(t);
        for (InvoiceItem item : h.repository.items(tenant)) {
          if (item.amount() > 0) {
            billed += item.amount();
          } else {
            credited -= item.amount();
          }
          if (item.invoiceId().isEmpty()) {
            outstanding += item.amount(); // a carried credit counts against what is owed
          }
        }
        for (Invoice invoice : h.repository.invoices(tenant)) {
          long sum =
              h.repository.invoiceItems(invoice.id()).stream().mapToLong(InvoiceItem::amount).sum();
          assertThat(sum).as("invoice total is its items").isEqualTo(invoice.total());
          long refundedHere = 0;
          for (Payment.Refund r : h.repository.refunds(invoice.id())) {
            refundedHere += r.amount();
            if (r.via() != Payment.Refund.Via.CREDIT) {
              refunded += r.amount(); // a credit refund is an item: counted as credited
            }
          }
          assertThat(refundedHere).isLessThanOrEqualTo(invoice.isPaid() ? invoice.total() : 0);
          switch (invoice.status()) {
            case PAID -> paid += invoice.total();
            case OPEN -> outstanding += invoice.total();
            case VOID, UNCOLLECTIBLE -> voided += invoice.total();
          }
        }
      }
      long collected = paid - refunded;
      assertThat(billed - credited - voided - refunded)
          .as("conservation after step %d (seed %d)", step, seed)
          .isEqualTo(collected + outstanding);
    }
  }

  /** The standing rule as S13 states it, written again from the spec. */
  private static Standing oracle(List<CollectionState> open, Instant now) {
    Standing worst = Standing.GOOD;
    for (CollectionState s : open) {
      Standing it = Standing.GOOD;
      boolean unsettled = s.roundOpen() || s.hold().isPresent();
      if (s.rounds() - (unsettled ? 1 : 0) >= 1) {
        it = Standing.PAST_DUE;
      }
      if (s.firstAttemptAt().isPresent()
          && !now.isBefore(s.firstAttemptAt().get().plus(Duration.ofDays(14)))) {
        it = Standing.SUSPENDED;
      }
      worst = it.compareTo(worst) > 0 ? it : worst;
    }
    return worst;
  }

  private static List<CollectionState> open(InMemoryRepository repository, String tenant) {
    List<CollectionState> open = new ArrayList<>();
    for (Invoice i : repository.invoices(tenant)) {
      if (i.isOpen()) {
        open.add(repository.collectionState(i.id()).orElseThrow());
      }
    }
    return open;
  }

  @Property(tries = 60)
  void standingIsAFunctionOfTheInvoicesTheirRoundsAndTheClock(@ForAll long seed) {
    History h = new History(seed);
    StandingPolicy rule = new StandingPolicy(1, Duration.ofDays(14));
    for (int step = 0; step < 60; step++) {
      h.step();
      Instant now = h.clock.instant();
      for (int t = 0; t < TENANTS; t++) {
        String tenant = History.tenant(t);
        List<CollectionState> open = open(h.repository, tenant);
        Standing standing = h.billing.standing(tenant);
        assertThat(standing).isEqualTo(oracle(open, now));
        assertThat(h.otherInstance.standing(tenant)).as("no instance state").isEqualTo(standing);
        List<CollectionState> shuffled = new ArrayList<>(open);
        Collections.shuffle(shuffled, h.random);
        assertThat(rule.judge(shuffled, now).standing()).as("order-free").isEqualTo(standing);
      }
    }
    // Once a poll has run, the stored standing (the feed's last word per tenant) is the live one:
    // every transition was told, by the change that caused it or by time through the poll.
    h.billing.runCycle();
    Map<String, String> told = new HashMap<>();
    for (BillingEvent e : h.billing.events(0, 10_000)) {
      if (e.type() == BillingEvent.Type.STANDING_CHANGED) {
        assertThat(e.reference()).contains(told.getOrDefault(e.tenant(), "GOOD"));
        told.put(e.tenant(), e.detail());
      }
    }
    for (int t = 0; t < TENANTS; t++) {
      String tenant = History.tenant(t);
      assertThat(told.getOrDefault(tenant, "GOOD")).isEqualTo(h.billing.standing(tenant).name());
    }
  }
}
