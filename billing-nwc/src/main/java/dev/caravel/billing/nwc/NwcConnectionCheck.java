package dev.caravel.billing.nwc;

import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.RailException;
import dev.caravel.billing.nostr.RelayClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks a {@code nostr+walletconnect://} URI before it is stored, step by step, the way {@code
 * billing nwc-check} does: it parses; the wallet's info is read (its {@code get_info}, or its info
 * event for a restricted connection); the connection offers what its use needs ({@code pay_invoice}
 * for a tenant's wallet; {@code make_invoice} and {@code lookup_invoice} for the service's own,
 * which then makes a 1-sat invoice that nobody pays and looks it up). Nothing is paid.
 *
 * <p>A tenant's URI goes through the relay pool's address rules like any tenant input: give the
 * host's shared pool ({@link Builder#relayPool}) or let the check use a pool of its own with the
 * default rules ({@code wss://} only, public addresses only). No answer carries the URI's secret.
 */
public final class NwcConnectionCheck {
  /** What the connection is to be used for. */
  public enum Use {
    /** A tenant's wallet: it pays the service's invoices. */
    TENANT_WALLET,
    /** The service's own wallet: it makes invoices and says whether they settled. */
    SERVICE_WALLET
  }

  /** The steps, in order; a refusal names the one that failed. */
  public enum Step {
    URI,
    INFO,
    SERVES,
    MAKE_INVOICE,
    LOOKUP_INVOICE
  }

  /** The check's answer. */
  public sealed interface Result {}

  /**
   * Every step passed.
   *
   * @param uri the parsed connection (its secret redacted from {@code toString()})
   * @param info what the wallet says of itself
   * @param budget the connection's budget, when it offers {@code get_budget} and answered
   */
  public record Usable(NwcUri uri, NwcWallet.Info info, Optional<NwcBudget> budget)
      implements Result {
    public Usable {
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(info, "info");
      Objects.requireNonNull(budget, "budget");
    }
  }

  /**
   * A step failed.
   *
   * @param step which
   * @param code a typed code: an {@link NwcException.Code} name, {@code INVALID_INPUT} for a
   *     malformed URI, or {@code NOT_IMPLEMENTED} when a needed method is missing
   * @param message what went wrong, for the operator; never the secret
   */
  public record Unusable(Step step, String code, String message) implements Result {
    public Unusable {
      Objects.requireNonNull(step, "step");
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }
  }

  static final long CHECK_MSATS = 1_000;

  private final RelayClient pool;
  private final Duration timeout;

  private NwcConnectionCheck(RelayClient pool, Duration timeout) {
    this.pool = pool;
    this.timeout = timeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Checks {@code uri} for {@code use}. */
  public Result check(String uri, Use use) {
    Objects.requireNonNull(use, "use");
    NwcUri parsed;
    try {
      parsed = NwcUri.parse(uri);
    } catch (RuntimeException e) {
      return new Unusable(Step.URI, "INVALID_INPUT", e.getMessage());
    }
    NwcWallet.Builder wallet =
        NwcWallet.builder(parsed)
            .replyTimeout(timeout)
            .infoTimeout(timeout)
            .connectTimeout(timeout);
    if (pool != null) {
      wallet.relayPool(pool);
    }
    Step step = Step.INFO;
    try (NwcWallet w = wallet.build()) {
      NwcWallet.Info info = w.getInfo();
      step = Step.SERVES;
      List<String> needed =
          use == Use.TENANT_WALLET
              ? List.of("pay_invoice")
              : List.of("make_invoice", "lookup_invoice");
      if (!info.methods().containsAll(needed)) {
        return new Unusable(
            step,
            NwcException.Code.NOT_IMPLEMENTED.name(),
            "the connection does not offer " + String.join(" and ", needed));
      }
      if (use == Use.SERVICE_WALLET) {
        step = Step.MAKE_INVOICE;
        LightningInvoice invoice =
            w.makeInvoice(CHECK_MSATS, "Caravel Billing wallet check", Duration.ofMinutes(10));
        step = Step.LOOKUP_INVOICE;
        w.isSettled(invoice.bolt11());
      }
      Optional<NwcBudget> budget = Optional.empty();
      if (info.methods().contains("get_budget")) {
        try {
          budget = w.getBudget();
        } catch (RuntimeException e) {
          // the budget is told when the wallet answers; the connection is usable regardless
        }
      }
      return new Usable(parsed, info, budget);
    } catch (NwcException e) {
      return new Unusable(step, e.error().name(), e.getMessage());
    } catch (RailException e) {
      return new Unusable(step, e.code(), e.getMessage());
    } catch (RuntimeException e) {
      return new Unusable(step, "INVALID_INPUT", String.valueOf(e.getMessage()));
    }
  }

  /** Configures a check; setters check their argument at once. */
  public static final class Builder {
    private RelayClient pool;
    private Duration timeout = Duration.ofSeconds(20);

    private Builder() {}

    /** The host's relay pool (not closed by the check); its address rules apply to the URI's. */
    public Builder relayPool(RelayClient value) {
      pool = Objects.requireNonNull(value, "pool");
      return this;
    }

    /** How long the relay and each wallet reply may take. Default 20 s, as {@code nwc-check}. */
    public Builder timeout(Duration value) {
      timeout = NwcWallet.Options.positive(value, "timeout");
      return this;
    }

    public NwcConnectionCheck build() {
      return new NwcConnectionCheck(pool, timeout);
    }
  }
}
