package dev.caravel.billing.nwc;

import dev.caravel.billing.LightningWallet.PayOutcome;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a payment, on a connection that offers {@code get_budget}: is what is left of its budget
 * enough? When the wallet says it is not, the payment is refused here as {@code QUOTA_EXCEEDED}, a
 * certain failure (nothing was sent), so the engine moves on to the next rail at once; a wallet
 * that reports a spent budget as {@code INTERNAL} or {@code OTHER} would otherwise read as a
 * payment that may have gone through. When the wallet cannot say (no budget, an error, no answer),
 * the payment is sent and the wallet decides.
 */
final class BudgetGate {
  private static final Logger log = LoggerFactory.getLogger(BudgetGate.class);

  private BudgetGate() {}

  /**
   * The refusal for a payment of {@code msats}, or empty when it may be sent. Reads the wallet's
   * info first (as the payment would): when it cannot be read, that is the refusal.
   */
  static Optional<PayOutcome> refusal(NwcSession session, long msats) {
    Nip47.WalletInfo info;
    try {
      info = session.info();
    } catch (NwcException e) {
      // The wallet's info could not be read: the payment cannot be sent either. Said once, here,
      // rather than after a second wait for the same info.
      return Optional.of(
          new PayOutcome.Failed(e.code(), "payment not attempted: " + e.getMessage()));
    }
    if (!info.methods().contains("get_budget")) {
      return Optional.empty();
    }
    Optional<NwcBudget> budget;
    try {
      Reply reply = session.call("get_budget", Nip47.JSON.createObjectNode(), true);
      if (!(reply instanceof Reply.Ok ok)) {
        return Optional.empty();
      }
      budget = NwcBudget.ofResult(ok.result());
    } catch (RuntimeException e) {
      log.debug(
          "wallet {}: no budget read before paying: {}", session.walletPubkey(), e.getMessage());
      return Optional.empty();
    }
    if (budget.isEmpty() || budget.get().allows(msats)) {
      return Optional.empty();
    }
    NwcBudget b = budget.get();
    log.debug(
        "wallet {}: {} msats asked, {} of {} msats left in the budget: not sent",
        session.walletPubkey(),
        msats,
        b.remainingMsats(),
        b.totalMsats());
    return Optional.of(
        new PayOutcome.Failed(
            NwcException.Code.QUOTA_EXCEEDED.name(),
            "payment not attempted: the connection's budget has "
                + b.remainingMsats()
                + " of "
                + b.totalMsats()
                + " msats left"
                + b.renewsAt().map(t -> " until " + t).orElse("")
                + ", and the invoice is for "
                + msats));
  }
}
