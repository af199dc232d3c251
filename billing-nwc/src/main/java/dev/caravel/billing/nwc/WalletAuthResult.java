package dev.caravel.billing.nwc;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** How waiting for a wallet's confirmation of a {@link WalletAuthRequest} ended. */
public sealed interface WalletAuthResult {

  /**
   * The wallet accepted: its info event named our client key and echoed our state.
   *
   * @param uri the connection: the wallet's key, its relays (the info event's {@code relay} tags
   *     when it has any, else the request's), the request's client secret
   * @param methods what the info event says the connection may do; a wallet that grants less than
   *     asked breaks NWC-08, so check {@link #canPay()} before storing it
   * @param budget the connection's budget, when the wallet offers {@code get_budget} and answered
   */
  record Connected(NwcUri uri, Set<String> methods, Optional<NwcBudget> budget)
      implements WalletAuthResult {
    public Connected {
      Objects.requireNonNull(uri, "uri");
      methods = Collections.unmodifiableSet(new LinkedHashSet<>(methods));
      Objects.requireNonNull(budget, "budget");
    }

    /** Whether the connection may pay invoices: the one thing billing needs of it. */
    public boolean canPay() {
      return methods.contains("pay_invoice");
    }

    /**
     * The connection URI with its secret ({@code nostr+walletconnect://...&secret=...}): seal it
     * and store it as a tenant's NWC URI. Never log it; {@link #toString()} does not show it.
     */
    public String connectionUri() {
      return uri.uriWithSecret();
    }
  }

  /**
   * No wallet confirmed within the time given: the tenant declined, did not scan, or the wallet
   * publishes elsewhere. NWC-08 says a declining wallet publishes nothing, so this is the answer.
   *
   * @param waited how long was waited
   */
  record TimedOut(Duration waited) implements WalletAuthResult {
    public TimedOut {
      Objects.requireNonNull(waited, "waited");
    }
  }
}
