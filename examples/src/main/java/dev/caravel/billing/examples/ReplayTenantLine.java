package dev.caravel.billing.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.spi.Tenant;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The replay's tenant line (issue 23): {@code {"at", "type": "tenant", "tenant", "trial_days",
 * "tax_bps", "tax_mode", "tax_label", "card"}}, every field after {@code tenant} optional. {@code
 * trial_days} (1 to 365) gives the tenant a trial (S20), which the engine refuses once the tenant
 * has activity. The line states the tenant's tax from then on: with {@code tax_bps} (0 to 10,000),
 * that rate, {@code tax_mode} ({@code exclusive}, the default, or {@code inclusive}) and {@code
 * tax_label} (default {@code Tax}); without it, none. It states how the tenant pays the same way:
 * {@code "card": true}, by card only (saved with a Stripe customer and no wallet, so its invoices
 * below the card minimum are carried, S25; the replay still charges nothing); {@code false} or
 * absent, not by card (by hand: no minimum).
 */
final class ReplayTenantLine {
  static final Set<String> FIELDS =
      Set.of("at", "type", "tenant", "trial_days", "tax_bps", "tax_mode", "tax_label", "card");

  /** What an invoice line says when {@code tax_label} is not given. */
  static final String DEFAULT_LABEL = "Tax";

  private ReplayTenantLine() {}

  static ReplayInput.TenantEntry parse(JsonNode node, Instant at, String file, int line)
      throws BadInputException {
    ReplayInput.onlyFields(node, FIELDS, file, line);
    String tenant = ReplayInput.tenant(node, file, line);
    OptionalInt trialDays = trialDays(node, file, line);
    boolean card = card(node, file, line);
    String modeName = ReplayInput.string(node, "tax_mode", false, file, line);
    String label = ReplayInput.string(node, "tax_label", false, file, line);
    JsonNode bps = node.get("tax_bps");
    if (bps == null || bps.isNull()) {
      if (modeName != null || label != null) {
        throw new BadInputException(
            file, line, "\"tax_mode\" and \"tax_label\" need a \"tax_bps\" to apply to");
      }
      return new ReplayInput.TenantEntry(line, at, tenant, Optional.empty(), trialDays, card);
    }
    if (!bps.isIntegralNumber()
        || !bps.canConvertToInt()
        || bps.intValue() < 0
        || bps.intValue() > TaxSetting.MAX_RATE_BPS) {
      throw new BadInputException(
          file,
          line,
          "\"tax_bps\" must be a whole number of basis points from 0 to 10000 (2000 is 20%), got "
              + ReplayInput.abbreviate(bps.toString()));
    }
    TaxSetting.Mode mode = TaxSetting.Mode.EXCLUSIVE;
    if (modeName != null) {
      if (modeName.equals("inclusive")) {
        mode = TaxSetting.Mode.INCLUSIVE;
      } else if (!modeName.equals("exclusive")) {
        throw new BadInputException(
            file,
            line,
            "\"tax_mode\" must be \"exclusive\" or \"inclusive\", got \""
                + ReplayInput.abbreviate(modeName)
                + "\"");
      }
    }
    try {
      TaxSetting tax = new TaxSetting(bps.intValue(), label == null ? DEFAULT_LABEL : label, mode);
      return new ReplayInput.TenantEntry(line, at, tenant, Optional.of(tax), trialDays, card);
    } catch (InvalidInputException e) {
      throw new BadInputException(file, line, e.getMessage());
    }
  }

  /** {@code trial_days}, if given: a whole number of days from 1 to 365 (S20). */
  private static OptionalInt trialDays(JsonNode node, String file, int line)
      throws BadInputException {
    JsonNode days = node.get("trial_days");
    if (days == null) {
      return OptionalInt.empty();
    }
    if (!days.isIntegralNumber()
        || !days.canConvertToInt()
        || days.intValue() < 1
        || days.intValue() > Tenant.MAX_TRIAL_DAYS) {
      throw new BadInputException(
          file,
          line,
          "\"trial_days\" must be a whole number of days from 1 to "
              + Tenant.MAX_TRIAL_DAYS
              + ", got "
              + ReplayInput.abbreviate(days.toString()));
    }
    return OptionalInt.of(days.intValue());
  }

  /** S25: {@code "card"}, a JSON boolean if present; absent is false. */
  private static boolean card(JsonNode node, String file, int line) throws BadInputException {
    JsonNode card = node.get("card");
    if (card == null) {
      return false;
    }
    if (!card.isBoolean()) {
      throw new BadInputException(
          file,
          line,
          "\"card\" must be true or false, got " + ReplayInput.abbreviate(card.toString()));
    }
    return card.booleanValue();
  }
}
