package dev.caravel.billing.examples;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The replay's plans file, read and checked completely before anything is billed (see {@link
 * ReplayInput}): a JSON array of plans, each with its optional currency, price history (S15) and
 * interval (S19). Every problem names the file and line.
 */
final class ReplayPlans {
  private static final Pattern CURRENCY = Pattern.compile("[A-Za-z]{3}");
  static final Set<String> PLAN_FIELDS =
      Set.of("id", "name", "amount", "currency", "history", "interval_months");
  static final Set<String> HISTORY_FIELDS = Set.of("effective", "amount");

  /** Reads one value in the middle of a stream (the plans array), so no trailing-token check. */
  private static final ObjectReader ELEMENT =
      ReplayInput.JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private ReplayPlans() {}

  /**
   * The plans file: a JSON array of {@code {"id", "name", "amount"[, "currency", "history",
   * "interval_months"]}}.
   */
  static PlanCatalogue read(Path path, String shownAs) throws BadInputException {
    List<Plan> plans = new ArrayList<>();
    List<PlanCatalogue.Version> versions = new ArrayList<>();
    Map<String, Integer> lineOfPlan = new LinkedHashMap<>();
    String currency = null;
    int currencyLine = 0;
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new BadInputException(shownAs, 0, "cannot read: " + ReplayInput.ioMessage(e));
    }
    // From bytes, so Jackson itself reports text that is not UTF-8, with its line.
    try (JsonParser parser = ReplayInput.JSON.createParser(bytes)) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        throw new BadInputException(
            shownAs, 1, "the file is empty; expected a JSON array of plans");
      }
      if (token != JsonToken.START_ARRAY) {
        throw new BadInputException(
            shownAs,
            ReplayInput.line(parser),
            "expected a JSON array of plans, like "
                + "[{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500}]");
      }
      while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
        int line = ReplayInput.line(parser);
        if (token == null) {
          throw new BadInputException(shownAs, line, "the array of plans is not closed");
        }
        if (token != JsonToken.START_OBJECT) {
          throw new BadInputException(
              shownAs,
              line,
              "each plan must be a JSON object, found " + ReplayInput.describe(token));
        }
        JsonNode node = ELEMENT.readTree(parser);
        ReplayInput.onlyFields(node, PLAN_FIELDS, shownAs, line);
        String id = ReplayInput.string(node, "id", true, shownAs, line);
        String name = ReplayInput.string(node, "name", true, shownAs, line);
        long amount = ReplayInput.amount(node, shownAs, line);
        String planCurrency = ReplayInput.DEFAULT_CURRENCY;
        if (node.has("currency")) {
          String c = ReplayInput.string(node, "currency", true, shownAs, line);
          if (!CURRENCY.matcher(c).matches()) {
            throw new BadInputException(
                shownAs,
                line,
                "\"currency\" must be a three-letter ISO 4217 code like usd, got \"" + c + "\"");
          }
          planCurrency = c.toLowerCase(Locale.ROOT);
        }
        if (currency == null) {
          currency = planCurrency;
          currencyLine = line;
        } else if (!currency.equals(planCurrency)) {
          throw new BadInputException(
              shownAs,
              line,
              "plan \""
                  + id
                  + "\" is priced in "
                  + planCurrency
                  + " but the plan on line "
                  + currencyLine
                  + " in "
                  + currency
                  + "; one catalogue has one currency");
        }
        Integer previous = lineOfPlan.putIfAbsent(id, line);
        if (previous != null) {
          throw new BadInputException(
              shownAs, line, "plan id \"" + id + "\" is already defined on line " + previous);
        }
        try {
          int interval = intervalMonths(node, shownAs, line);
          plans.add(new Plan(id, name, amount, interval));
          versions.add(
              new PlanCatalogue.Version(
                  id, name, amount, PlanCatalogue.ORIGIN, false, false, interval));
          JsonNode history = node.get("history");
          if (history != null && !history.isArray()) {
            throw new BadInputException(
                shownAs,
                line,
                "\"history\" must be an array like [{\"effective\": \"2025-02-15T00:00:00Z\","
                    + " \"amount\": 700}]");
          }
          for (JsonNode change : history == null ? List.<JsonNode>of() : history) {
            if (!change.isObject()) {
              throw new BadInputException(shownAs, line, "each \"history\" entry is an object");
            }
            ReplayInput.onlyFields(change, HISTORY_FIELDS, shownAs, line);
            versions.add(
                new PlanCatalogue.Version(
                    id,
                    name,
                    ReplayInput.amount(change, shownAs, line),
                    ReplayInput.instant(change, "effective", shownAs, line),
                    false,
                    false,
                    interval));
          }
        } catch (InvalidInputException e) {
          throw new BadInputException(shownAs, line, e.getMessage());
        }
      }
      if (parser.nextToken() != null) {
        throw new BadInputException(
            shownAs, ReplayInput.line(parser), "unexpected content after the array of plans");
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw new BadInputException(
          shownAs, line, "not valid JSON: " + ReplayInput.jacksonMessage(e));
    } catch (IOException e) {
      throw new BadInputException(shownAs, 0, "cannot read: " + ReplayInput.ioMessage(e));
    }
    if (plans.isEmpty()) {
      throw new BadInputException(shownAs, 1, "the file lists no plans");
    }
    try {
      return PlanCatalogue.withHistory(currency, versions);
    } catch (InvalidInputException e) {
      throw new BadInputException(shownAs, 1, e.getMessage());
    }
  }

  /** S19: a plan's optional {@code interval_months}, 1, 3, 6 or 12; 1 when absent. */
  private static int intervalMonths(JsonNode node, String file, int line) throws BadInputException {
    JsonNode value = node.get("interval_months");
    if (value == null) {
      return 1;
    }
    int months = value.isIntegralNumber() && value.canConvertToInt() ? value.intValue() : 0;
    if (months != 1 && months != 3 && months != 6 && months != 12) {
      throw new BadInputException(
          file,
          line,
          "\"interval_months\" must be 1, 3, 6 or 12, got "
              + ReplayInput.abbreviate(value.toString()));
    }
    return months;
  }
}
