package dev.caravel.billing.examples;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.caravel.billing.Activity;
import dev.caravel.billing.ActivityType;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.TaxSetting;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks the replay's two input files completely, before anything is billed. Strict on
 * purpose: an audit tool that guessed (a misspelt field silently ignored, a fractional amount
 * rounded) would answer the wrong question. Every problem names its file and line.
 */
final class ReplayInput {
  static final String DEFAULT_CURRENCY = "usd";
  private static final Pattern TENANT = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern CURRENCY = Pattern.compile("[A-Za-z]{3}");
  private static final Set<String> PLAN_FIELDS =
      Set.of("id", "name", "amount", "currency", "history", "interval_months");
  private static final Set<String> HISTORY_FIELDS = Set.of("effective", "amount");
  private static final Set<String> PRICE_FIELDS =
      Set.of("at", "type", "plan", "amount", "effective");
  private static final Set<String> ACTIVITY_FIELDS =
      Set.of("at", "tenant", "type", "relay", "plan");
  private static final Set<String> BILL_FIELDS = Set.of("at", "type");
  private static final Set<String> PREVIEW_FIELDS = Set.of("at", "type", "tenant");
  private static final Set<String> ADJUSTMENT_FIELDS =
      Set.of("at", "tenant", "type", "amount", "reason", "key");
  private static final Set<String> VOID_FIELDS = Set.of("at", "type", "invoice", "reason");
  private static final Set<String> REFUND_FIELDS =
      Set.of("at", "type", "invoice", "amount", "reason", "key");
  private static final Set<String> PAID_FIELDS = Set.of("at", "type", "invoice", "reference");
  private static final String TYPES =
      "create_relay, update_relay, activate_relay, deactivate_relay, price, bill, credit, charge,"
          + " void, paid, refund, tenant or preview";

  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /** Reads one value in the middle of a stream (the plans array), so no trailing-token check. */
  private static final ObjectReader ELEMENT =
      JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** One line of the events file. */
  sealed interface Entry {
    int line();

    Instant at();
  }

  record ActivityEntry(int line, Activity activity) implements Entry {
    @Override
    public Instant at() {
      return activity.at();
    }
  }

  record BillEntry(int line, Instant at) implements Entry {}

  /** A price change made at {@code at}, effective from {@code effective} (S15). */
  record PriceEntry(int line, Instant at, String plan, long amount, Instant effective)
      implements Entry {}

  /** A hand credit ({@code charge} false) or charge of {@code amount} with its reason and key. */
  record AdjustmentEntry(
      int line, Instant at, String tenant, boolean charge, long amount, String reason, String key)
      implements Entry {}

  /** Voids an invoice, named by the id the replay printed for it. */
  record VoidEntry(int line, Instant at, String invoice, String reason) implements Entry {}

  /** The tenant paid an invoice by hand (a bank transfer, ...), with the payment's reference. */
  record PaidEntry(int line, Instant at, String invoice, String reference) implements Entry {}

  /** What generating the tenant's invoice now would make (S23), printed, writing nothing. */
  record PreviewEntry(int line, Instant at, String tenant) implements Entry {}

  /** A tenant's settings (S24): its tax, or none; see {@link ReplayTenantLine}. */
  record TenantEntry(int line, Instant at, String tenant, Optional<TaxSetting> tax)
      implements Entry {}

  /** Refunds {@code amount} of a paid invoice. */
  record RefundEntry(int line, Instant at, String invoice, long amount, String reason, String key)
      implements Entry {}

  private ReplayInput() {}

  // ---- plans ----

  /** The plans file: a JSON array of {@code {"id", "name", "amount"[, "currency"]}}. */
  static PlanCatalogue readPlans(Path path, String shownAs) throws BadInputException {
    List<Plan> plans = new ArrayList<>();
    List<PlanCatalogue.Version> versions = new ArrayList<>();
    Map<String, Integer> lineOfPlan = new LinkedHashMap<>();
    String currency = null;
    int currencyLine = 0;
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new BadInputException(shownAs, 0, "cannot read: " + ioMessage(e));
    }
    // From bytes, so Jackson itself reports text that is not UTF-8, with its line.
    try (JsonParser parser = JSON.createParser(bytes)) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        throw new BadInputException(
            shownAs, 1, "the file is empty; expected a JSON array of plans");
      }
      if (token != JsonToken.START_ARRAY) {
        throw new BadInputException(
            shownAs,
            line(parser),
            "expected a JSON array of plans, like "
                + "[{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500}]");
      }
      while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
        int line = line(parser);
        if (token == null) {
          throw new BadInputException(shownAs, line, "the array of plans is not closed");
        }
        if (token != JsonToken.START_OBJECT) {
          throw new BadInputException(
              shownAs, line, "each plan must be a JSON object, found " + describe(token));
        }
        JsonNode node = ELEMENT.readTree(parser);
        onlyFields(node, PLAN_FIELDS, shownAs, line);
        String id = string(node, "id", true, shownAs, line);
        String name = string(node, "name", true, shownAs, line);
        long amount = amount(node, shownAs, line);
        String planCurrency = DEFAULT_CURRENCY;
        if (node.has("currency")) {
          String c = string(node, "currency", true, shownAs, line);
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
            onlyFields(change, HISTORY_FIELDS, shownAs, line);
            versions.add(
                new PlanCatalogue.Version(
                    id,
                    name,
                    amount(change, shownAs, line),
                    instant(change, "effective", shownAs, line),
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
            shownAs, line(parser), "unexpected content after the array of plans");
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw new BadInputException(shownAs, line, "not valid JSON: " + jacksonMessage(e));
    } catch (IOException e) {
      throw new BadInputException(shownAs, 0, "cannot read: " + ioMessage(e));
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

  // ---- events ----

  /**
   * The events file: JSON Lines, {@code at} never decreasing. Blank lines are skipped. Checks every
   * line's form; whether the engine accepts each activity is the replay's dry run.
   */
  static List<Entry> readEvents(Path path, String shownAs) throws BadInputException {
    List<Entry> entries = new ArrayList<>();
    Instant previous = null;
    int previousLine = 0;
    int number = 0;
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new BadInputException(shownAs, 0, "cannot read: " + ioMessage(e));
    }
    // Decoded a line at a time, so text that is not UTF-8 is reported on its own line.
    CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    int start = 0;
    while (start < bytes.length) {
      int end = start;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      number++;
      String text;
      try {
        text = utf8.decode(ByteBuffer.wrap(bytes, start, end - start)).toString();
      } catch (CharacterCodingException e) {
        throw new BadInputException(shownAs, number, "not UTF-8 text");
      }
      start = end + 1;
      if (text.endsWith("\r")) {
        text = text.substring(0, text.length() - 1);
      }
      if (number == 1 && text.startsWith("\uFEFF")) {
        text = text.substring(1);
      }
      if (text.isBlank()) {
        continue;
      }
      Entry entry = parseLine(text, shownAs, number);
      if (previous != null && entry.at().isBefore(previous)) {
        throw new BadInputException(
            shownAs,
            number,
            "\"at\" "
                + entry.at()
                + " is before "
                + previous
                + " on line "
                + previousLine
                + "; events must be in order, \"at\" never decreasing");
      }
      previous = entry.at();
      previousLine = number;
      entries.add(entry);
    }
    return entries;
  }

  static Entry parseLine(String text, String file, int line) throws BadInputException {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      String column =
          e.getLocation() == null ? "" : " (column " + e.getLocation().getColumnNr() + ")";
      throw new BadInputException(file, line, "not valid JSON" + column + ": " + jacksonMessage(e));
    }
    if (node == null || !node.isObject()) {
      throw new BadInputException(
          file,
          line,
          "each line must be a JSON object, like "
              + "{\"at\": \"2025-01-31T10:00:00Z\", \"type\": \"bill\"}");
    }
    String typeName = string(node, "type", true, file, line);
    Instant at = instant(node, file, line);
    if (typeName.equals("bill")) {
      onlyFields(node, BILL_FIELDS, file, line);
      return new BillEntry(line, at);
    }
    switch (typeName) {
      case "credit", "charge" -> {
        onlyFields(node, ADJUSTMENT_FIELDS, file, line);
        String tenant = tenant(node, file, line);
        long amount = amount(node, file, line);
        if (amount == 0) {
          throw new BadInputException(file, line, "\"amount\" must be above zero");
        }
        return new AdjustmentEntry(
            line,
            at,
            tenant,
            typeName.equals("charge"),
            amount,
            string(node, "reason", true, file, line),
            string(node, "key", true, file, line));
      }
      case "void" -> {
        onlyFields(node, VOID_FIELDS, file, line);
        return new VoidEntry(
            line,
            at,
            string(node, "invoice", true, file, line),
            string(node, "reason", true, file, line));
      }
      case "paid" -> {
        onlyFields(node, PAID_FIELDS, file, line);
        return new PaidEntry(
            line,
            at,
            string(node, "invoice", true, file, line),
            string(node, "reference", true, file, line));
      }
      case "refund" -> {
        onlyFields(node, REFUND_FIELDS, file, line);
        long amount = amount(node, file, line);
        if (amount == 0) {
          throw new BadInputException(file, line, "\"amount\" must be above zero");
        }
        return new RefundEntry(
            line,
            at,
            string(node, "invoice", true, file, line),
            amount,
            string(node, "reason", true, file, line),
            string(node, "key", true, file, line));
      }
      default -> {}
    }
    if (typeName.equals("preview")) {
      onlyFields(node, PREVIEW_FIELDS, file, line);
      return new PreviewEntry(line, at, tenant(node, file, line));
    }
    if (typeName.equals("tenant")) {
      return ReplayTenantLine.parse(node, at, file, line);
    }
    if (typeName.equals("price")) {
      onlyFields(node, PRICE_FIELDS, file, line);
      return new PriceEntry(
          line,
          at,
          string(node, "plan", true, file, line),
          amount(node, file, line),
          instant(node, "effective", file, line));
    }
    ActivityType type;
    try {
      type = ActivityType.fromWireName(typeName);
    } catch (InvalidInputException e) {
      throw new BadInputException(
          file, line, "unknown \"type\" \"" + typeName + "\"; expected " + TYPES);
    }
    onlyFields(node, ACTIVITY_FIELDS, file, line);
    String tenant = tenant(node, file, line);
    String relay = string(node, "relay", true, file, line);
    Optional<String> plan = Optional.ofNullable(string(node, "plan", false, file, line));
    if (type == ActivityType.CREATE_RELAY && plan.isEmpty()) {
      throw new BadInputException(file, line, "create_relay needs a \"plan\"");
    }
    if ((type == ActivityType.ACTIVATE_RELAY || type == ActivityType.DEACTIVATE_RELAY)
        && plan.isPresent()) {
      throw new BadInputException(file, line, typeName + " takes no \"plan\"");
    }
    try {
      // The line number names the activity: unique in the log, and the same on every replay.
      return new ActivityEntry(line, new Activity("line-" + line, tenant, type, relay, plan, at));
    } catch (InvalidInputException e) {
      throw new BadInputException(file, line, e.getMessage());
    }
  }

  // ---- fields ----

  static void onlyFields(JsonNode node, Set<String> allowed, String file, int line)
      throws BadInputException {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw new BadInputException(
            file,
            line,
            "unknown field \""
                + name
                + "\""
                + (allowed == BILL_FIELDS
                    ? "; a bill line has only \"at\" and \"type\""
                    : allowed == PLAN_FIELDS
                        ? "; a plan has \"id\", \"name\", \"amount\" and optionally \"currency\","
                            + " \"history\" and \"interval_months\""
                        : allowed == HISTORY_FIELDS
                            ? "; a history entry has \"effective\" and \"amount\""
                            : allowed == PRICE_FIELDS
                                ? "; a price line has \"at\", \"type\", \"plan\", \"amount\""
                                    + " and \"effective\""
                                : allowed == ADJUSTMENT_FIELDS
                                    ? "; a credit or charge line has \"at\", \"tenant\","
                                        + " \"type\", \"amount\", \"reason\" and \"key\""
                                    : allowed == VOID_FIELDS
                                        ? "; a void line has \"at\", \"type\", \"invoice\""
                                            + " and \"reason\""
                                        : allowed == PAID_FIELDS
                                            ? "; a paid line has \"at\", \"type\","
                                                + " \"invoice\" and \"reference\""
                                            : allowed == REFUND_FIELDS
                                                ? "; a refund line has \"at\", \"type\","
                                                    + " \"invoice\", \"amount\", \"reason\""
                                                    + " and \"key\""
                                                : allowed == PREVIEW_FIELDS
                                                    ? "; a preview line has \"at\", \"type\""
                                                        + " and \"tenant\""
                                                    : allowed == ReplayTenantLine.FIELDS
                                                        ? "; a tenant line has \"at\", \"type\","
                                                            + " \"tenant\", \"tax_bps\","
                                                            + " \"tax_mode\" and \"tax_label\""
                                                        : "; an activity has \"at\", \"tenant\","
                                                            + " \"type\", \"relay\" and \"plan\""));
      }
    }
  }

  static String tenant(JsonNode node, String file, int line) throws BadInputException {
    String tenant = string(node, "tenant", true, file, line);
    if (!TENANT.matcher(tenant).matches()) {
      throw new BadInputException(
          file,
          line,
          "\"tenant\" must be a Nostr public key: 64 lowercase hex characters, got \""
              + abbreviate(tenant)
              + "\"");
    }
    return tenant;
  }

  /** A string field; absent or null is an error when required, else null. */
  static String string(JsonNode node, String field, boolean required, String file, int line)
      throws BadInputException {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw new BadInputException(file, line, "missing \"" + field + "\"");
      }
      return null;
    }
    if (!value.isTextual()) {
      throw new BadInputException(
          file,
          line,
          "\""
              + field
              + "\" must be a string, got "
              + value.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    String text = value.textValue();
    if (text.isBlank()) {
      throw new BadInputException(file, line, "\"" + field + "\" must not be blank");
    }
    return text;
  }

  private static Instant instant(JsonNode node, String file, int line) throws BadInputException {
    return instant(node, "at", file, line);
  }

  private static Instant instant(JsonNode node, String field, String file, int line)
      throws BadInputException {
    String text = string(node, field, true, file, line);
    Instant at;
    try {
      at = Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new BadInputException(
          file,
          line,
          "\""
              + field
              + "\" must be a UTC instant like 2025-01-31T10:00:00Z, got \""
              + abbreviate(text)
              + "\"");
    }
    if (at.getNano() != 0) {
      throw new BadInputException(
          file, line, "\"" + field + "\" must be whole seconds, got " + text);
    }
    return at;
  }

  private static long amount(JsonNode node, String file, int line) throws BadInputException {
    JsonNode value = node.get("amount");
    if (value == null || value.isNull()) {
      throw new BadInputException(file, line, "missing \"amount\"");
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new BadInputException(
          file,
          line,
          "\"amount\" must be a whole number of minor units (cents), like 500, got "
              + abbreviate(value.toString()));
    }
    long amount = value.longValue();
    if (amount < 0) {
      throw new BadInputException(file, line, "\"amount\" must not be negative, got " + amount);
    }
    return amount;
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
          "\"interval_months\" must be 1, 3, 6 or 12, got " + abbreviate(value.toString()));
    }
    return months;
  }

  private static int line(JsonParser parser) {
    return parser.currentTokenLocation().getLineNr();
  }

  private static String describe(JsonToken token) {
    return switch (token) {
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> token.name().toLowerCase(Locale.ROOT);
    };
  }

  /** Jackson's own words, without its pointers into a source it does not show. */
  private static String jacksonMessage(JsonProcessingException e) {
    if (e instanceof com.fasterxml.jackson.core.io.JsonEOFException) {
      return "the text ends in the middle of a value (is a bracket or brace not closed?)";
    }
    String message =
        e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
    message = message.replaceAll("\\s*\\(start marker at \\[Source:[^\\]]*\\][^)]*\\)", "");
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  private static String ioMessage(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
