package dev.caravel.billing.spring;

import static dev.caravel.billing.spring.PageResponses.html;
import static dev.caravel.billing.spring.PageResponses.message;

import dev.caravel.billing.Billing;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.nwc.NwcConnectionCheck;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/**
 * The account page's wallet actions, run once the form passed the page's guard: paste a connection
 * (checked, then sealed by the engine), connect one by scanning a code, disconnect. Each keeps the
 * card on file: the customer read back is saved again with the wallet.
 */
final class AccountWallets {
  private static final System.Logger LOG = System.getLogger(AccountWallets.class.getName());

  private final Billing billing;
  private final Optional<NwcConnectionCheck> check;
  private final Optional<WalletAuthorizations> authorizations;
  private final Function<String, ResponseEntity<String>> backToPage;

  AccountWallets(
      Billing billing,
      Optional<NwcConnectionCheck> check,
      Optional<WalletAuthorizations> authorizations,
      Function<String, ResponseEntity<String>> backToPage) {
    this.billing = Objects.requireNonNull(billing, "billing");
    this.check = Objects.requireNonNull(check, "check");
    this.authorizations = Objects.requireNonNull(authorizations, "authorizations");
    this.backToPage = Objects.requireNonNull(backToPage, "backToPage");
  }

  boolean scanning() {
    return authorizations.isPresent();
  }

  Optional<WalletAuthorizations> authorizations() {
    return authorizations;
  }

  ResponseEntity<String> disconnect(String tenant) {
    billing.saveTenant(tenant, null, billing.stripeCustomer(tenant).orElse(null));
    return backToPage.apply(tenant);
  }

  ResponseEntity<String> paste(String tenant, String pasted) {
    String uri = pasted == null ? "" : pasted.strip();
    try {
      if (check.isPresent()
          && check.get().check(uri, NwcConnectionCheck.Use.TENANT_WALLET)
              instanceof NwcConnectionCheck.Unusable unusable) {
        // Its step and code say why; its message may quote the wallet: the log only.
        throw new IllegalArgumentException(
            "the connection check failed at " + unusable.step() + " (" + unusable.code() + ")");
      }
      billing.saveTenant(tenant, uri, billing.stripeCustomer(tenant).orElse(null));
    } catch (InvalidInputException | IllegalArgumentException e) {
      // The reason may quote the URI's parts: the log only, never the page.
      LOG.log(
          System.Logger.Level.INFO,
          "tenant {0}: a pasted wallet connection was refused: {1}",
          tenant,
          e instanceof InvalidInputException ? "malformed" : e.getMessage());
      return html(
          HttpStatus.BAD_REQUEST,
          message(
              "Not connected",
              "That connection could not be used. Copy it again from your wallet and paste it"
                  + " whole; it starts with nostr+walletconnect://."));
    }
    return backToPage.apply(tenant);
  }

  ResponseEntity<String> scan(String tenant) {
    if (authorizations.orElseThrow().start(tenant).isEmpty()) {
      return PageResponses.tryAgain("We could not start a wallet connection just now.");
    }
    return backToPage.apply(tenant);
  }
}
