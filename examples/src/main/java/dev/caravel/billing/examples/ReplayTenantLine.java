package dev.caravel.billing.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice.TaxSetting;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * The replay's tenant line (issue 23): {@code {"at", "type": "tenant", "tenant", "tax_bps",
 * "tax_mode", "tax_label"}}, every field after {@code tenant} optional. The line states the
 * tenant's tax from then on: with {@code tax_bps} (0 to 10,000), that rate, {@code tax_mode}
 * ({@code exclusive}, the default, or {@code inclusive}) and {@code tax_label} (default {@code
 * Tax}); without it, none. Issue 23's {@code trial_days} (S20) and {@code card} (S25) are refused
 * by name until the engine has trials and the card minimum, so a log written for them is not billed
 * as if they were not there.
 */
final class ReplayTenantLine {
  static final Set<String> FIELDS =
      Set.of("at", "type", "tenant", "tax_bps", "tax_mode", "tax_label");

  /** What an invoice line says when {@code tax_label} is not given. */
  static final String DEFAULT_LABEL = "Tax";

  private ReplayTenantLine() {}

  static ReplayInput.TenantEntry parse(JsonNode node, Instant at, String file, int line)
      throws BadInputException {
    for (String later : new String[] {"trial_days", "card"}) {
      if (node.has(later)) {
        throw new BadInputException(
            file,
            line,
            "\""
                + later
                + "\" is not supported yet: this engine has no "
                + (later.equals("card") ? "card minimum (S25)" : "trials (S20)"));
      }
    }
    ReplayInput.onlyFields(node, FIELDS, file, line);
    String tenant = ReplayInput.tenant(node, file, line);
    String modeName = ReplayInput.string(node, "tax_mode", false, file, line);
    String label = ReplayInput.string(node, "tax_label", false, file, line);
    JsonNode bps = node.get("tax_bps");
    if (bps == null || bps.isNull()) {
      if (modeName != null || label != null) {
        throw new BadInputException(
            file, line, "\"tax_mode\" and \"tax_label\" need a \"tax_bps\" to apply to");
      }
      return new ReplayInput.TenantEntry(line, at, tenant, Optional.empty());
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
      return new ReplayInput.TenantEntry(line, at, tenant, Optional.of(tax));
    } catch (InvalidInputException e) {
      throw new BadInputException(file, line, e.getMessage());
    }
  }
}
