package dev.caravel.billing.examples;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.caravel.billing.Activity;
import dev.caravel.billing.ActivityType;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.PlanCatalogue;
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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
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
      "create_relay, update_relay, activate_relay, deactivate_relay, cancel_change, price, bill,"
          + " credit, charge, void, paid, refund, tenant, coupon, redeem, preview or card_minimum";

  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

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

  /**
   * A tenant's settings: its tax, or none (S24), a trial of some days (S20, empty: the line gives
   * none) and whether it pays by card only (S25); see {@link ReplayTenantLine}.
   */
  record TenantEntry(
      int line,
      Instant at,
      String tenant,
      Optional<TaxSetting> tax,
      OptionalInt trialDays,
      boolean card)
      implements Entry {
    /** A line without a trial, not by card. */
    TenantEntry(int line, Instant at, String tenant, Optional<TaxSetting> tax) {
      this(line, at, tenant, tax, OptionalInt.empty(), false);
    }
  }

  /** The card rail's minimum charge in {@code currency} from now on (S25). */
  record CardMinimumEntry(int line, Instant at, String currency, long amount) implements Entry {}

  /** Defines a coupon (S21); see {@link ReplayCouponLine}. */
  record CouponEntry(int line, Instant at, PlanCatalogue.Coupon coupon) implements Entry {}

  /** Redeems a coupon for a tenant, keyed by the line (S21). */
  record RedeemEntry(int line, Instant at, String tenant, String coupon) implements Entry {}

  /** Refunds {@code amount} of a paid invoice. */
  record RefundEntry(int line, Instant at, String invoice, long amount, String reason, String key)
      implements Entry {}

  private ReplayInput() {}

  // ---- plans ----

  /** The plans file; see {@link ReplayPlans#read}. */
  static PlanCatalogue readPlans(Path path, String shownAs) throws BadInputException {
    return ReplayPlans.read(path, shownAs);
  }

  // ---- events ----

  /**
   * The events file: JSON Lines, {@code at} never decreasing. Blank lines are skipped. Checks every
   * line's form; whether the engine accepts each activity is the replay's dry run.
   */
  static List<Entry> readEvents(Path path, String shownAs) throws BadInputException {
    List<Entry> entries = new ArrayList<>();
    ReplayCouponLine.Defined coupons = new ReplayCouponLine.Defined();
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
      coupons.check(entry, shownAs);
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
      case "coupon", "redeem" -> {
        return ReplayCouponLine.parse(typeName, node, at, file, line);
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
    if (typeName.equals("card_minimum")) {
      return ReplayCardMinimumLine.parse(node, at, file, line);
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
    if (ReplayChangeLine.handles(typeName, node)) {
      return ReplayChangeLine.parse(typeName, node, at, file, line);
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
                    : allowed == ReplayPlans.PLAN_FIELDS
                        ? "; a plan has \"id\", \"name\", \"amount\" and optionally \"currency\","
                            + " \"history\" and \"interval_months\""
                        : allowed == ReplayPlans.HISTORY_FIELDS
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
                                                            + " \"tenant\", \"trial_days\", \"tax_bps\","
                                                            + " \"tax_mode\", \"tax_label\""
                                                            + " and \"card\""
                                                        : allowed == ReplayChangeLine.CANCEL_FIELDS
                                                            ? "; a cancel_change line has \"at\","
                                                                + " \"tenant\", \"type\" and"
                                                                + " \"relay\""
                                                            : "; an activity has \"at\","
                                                                + " \"tenant\", \"type\","
                                                                + " \"relay\" and \"plan\""
                                                                + " (update_relay also"
                                                                + " \"when\")"));
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

  static Instant instant(JsonNode node, String field, String file, int line)
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

  static long amount(JsonNode node, String file, int line) throws BadInputException {
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

  static int line(JsonParser parser) {
    return parser.currentTokenLocation().getLineNr();
  }

  static String describe(JsonToken token) {
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
  static String jacksonMessage(JsonProcessingException e) {
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

  static String ioMessage(IOException e) {
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
