package dev.caravel.billing.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The replay's card minimum line (issue 23, S25): {@code {"at", "type": "card_minimum", "currency":
 * "usd", "amount": 50}}. The replay wires no payment rail, so this line says what the card rail's
 * minimum charge is from then on (the engine's {@code BillingBuilder.cardMinimum}): an invoice of a
 * tenant marked {@code "card": true} whose total falls below it is closed as carried and its net
 * billed on the tenant's next invoice. Every field is required; the amount is a whole number of
 * minor units above zero, in a three-letter currency code (lowercase, as the plans file's).
 */
final class ReplayCardMinimumLine {
  static final Set<String> FIELDS = Set.of("at", "type", "currency", "amount");
  private static final Pattern CURRENCY = Pattern.compile("[a-z]{3}");

  private ReplayCardMinimumLine() {}

  static ReplayInput.CardMinimumEntry parse(JsonNode node, Instant at, String file, int line)
      throws BadInputException {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new BadInputException(
            file,
            line,
            "unknown field \""
                + name
                + "\"; a card_minimum line has \"at\", \"type\", \"currency\" and \"amount\"");
      }
    }
    String currency = ReplayInput.string(node, "currency", true, file, line);
    if (!CURRENCY.matcher(currency).matches()) {
      throw new BadInputException(
          file,
          line,
          "\"currency\" must be a three-letter code in lowercase, like \"usd\", got \""
              + ReplayInput.abbreviate(currency)
              + "\"");
    }
    long amount = ReplayInput.amount(node, file, line);
    if (amount == 0) {
      throw new BadInputException(file, line, "\"amount\" must be above zero");
    }
    return new ReplayInput.CardMinimumEntry(line, at, currency.toLowerCase(Locale.ROOT), amount);
  }
}
