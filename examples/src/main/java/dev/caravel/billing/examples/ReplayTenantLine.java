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
 * "tax_bps", "tax_mode", "tax_label"}}, every field after {@code tenant} optional. {@code
 * trial_days} (1 to 365) gives the tenant a trial (S20), which the engine refuses once the tenant
 * has activity. The line states the tenant's tax from then on: with {@code tax_bps} (0 to 10,000),
 * that rate, {@code tax_mode} ({@code exclusive}, the default, or {@code inclusive}) and {@code
 * tax_label} (default {@code Tax}); without it, none. Issue 23's {@code card} (S25) is refused by
 * name until the engine has the card minimum, so a log written for it is not billed as if it were
 * not there.
 */
final class ReplayTenantLine {
  static final Set<String> FIELDS =
      Set.of("at", "type", "tenant", "trial_days", "tax_bps", "tax_mode", "tax_label");

  /** What an invoice line says when {@code tax_label} is not given. */
  static final String DEFAULT_LABEL = "Tax";

  private ReplayTenantLine() {}

  static ReplayInput.TenantEntry parse(JsonNode node, Instant at, String file, int line)
      throws BadInputException {
    for (String later : new String[] {"card"}) {
      if (node.has(later)) {
        throw new BadInputException(
            file,
            line,
            "\"" + later + "\" is not supported yet: this engine has no card minimum (S25)");
      }
    }
    ReplayInput.onlyFields(node, FIELDS, file, line);
    String tenant = ReplayInput.tenant(node, file, line);
    OptionalInt trialDays = trialDays(node, file, line);
    String modeName = ReplayInput.string(node, "tax_mode", false, file, line);
    String label = ReplayInput.string(node, "tax_label", false, file, line);
    JsonNode bps = node.get("tax_bps");
    if (bps == null || bps.isNull()) {
      if (modeName != null || label != null) {
        throw new BadInputException(
            file, line, "\"tax_mode\" and \"tax_label\" need a \"tax_bps\" to apply to");
      }
      return new ReplayInput.TenantEntry(line, at, tenant, Optional.empty(), trialDays);
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
      return new ReplayInput.TenantEntry(line, at, tenant, Optional.of(tax), trialDays);
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
}
