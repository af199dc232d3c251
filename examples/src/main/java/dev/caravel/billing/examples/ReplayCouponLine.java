package dev.caravel.billing.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.Billing;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.PlanCatalogue.Coupon;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The replay's coupon lines (S21, issue 23): {@code {"at", "type": "coupon", "coupon": CODE,
 * "percent_off": P | "amount_off": A, "duration": "once"|"forever"|"periods", "periods": N,
 * "plans": [...]}} defines a coupon ({@code periods} with {@code "periods"} alone, {@code plans}
 * optional: every plan), and {@code {"at", "type": "redeem", "tenant": T, "coupon": CODE}} redeems
 * one defined on an earlier line, keyed by its line number. Each line is checked alone, and against
 * the coupons the lines before it defined, before anything is billed.
 */
final class ReplayCouponLine {
  static final Set<String> COUPON_FIELDS =
      Set.of("at", "type", "coupon", "percent_off", "amount_off", "duration", "periods", "plans");
  static final Set<String> REDEEM_FIELDS = Set.of("at", "type", "tenant", "coupon");

  private ReplayCouponLine() {}

  /** A {@code coupon} or {@code redeem} line. */
  static ReplayInput.Entry parse(String type, JsonNode node, Instant at, String file, int line)
      throws BadInputException {
    return type.equals("coupon") ? coupon(node, at, file, line) : redeem(node, at, file, line);
  }

  static ReplayInput.CouponEntry coupon(JsonNode node, Instant at, String file, int line)
      throws BadInputException {
    ReplayInput.onlyFields(node, COUPON_FIELDS, file, line);
    String code = ReplayInput.string(node, "coupon", true, file, line);
    boolean percent = present(node, "percent_off");
    if (percent == present(node, "amount_off")) {
      throw new BadInputException(
          file,
          line,
          "a coupon takes either \"percent_off\" or \"amount_off\", not both or neither");
    }
    long off = whole(node, percent ? "percent_off" : "amount_off", file, line);
    if (percent ? off < 1 || off > 100 : off < 1 || off > Billing.MAX_AMOUNT) {
      throw new BadInputException(
          file,
          line,
          percent
              ? "\"percent_off\" must be 1 to 100, got " + off
              : "\"amount_off\" must be 1 to " + Billing.MAX_AMOUNT + " minor units, got " + off);
    }
    String durationName = ReplayInput.string(node, "duration", true, file, line);
    Coupon.Duration duration =
        switch (durationName) {
          case "once" -> Coupon.Duration.ONCE;
          case "forever" -> Coupon.Duration.FOREVER;
          case "periods" -> Coupon.Duration.PERIODS;
          default ->
              throw new BadInputException(
                  file,
                  line,
                  "\"duration\" must be \"once\", \"forever\" or \"periods\", got \""
                      + ReplayInput.abbreviate(durationName)
                      + "\"");
        };
    int periods = 0;
    if (duration == Coupon.Duration.PERIODS) {
      if (!present(node, "periods")) {
        throw new BadInputException(file, line, "\"duration\": \"periods\" needs \"periods\"");
      }
      long n = whole(node, "periods", file, line);
      if (n < 1 || n > Integer.MAX_VALUE) {
        throw new BadInputException(file, line, "\"periods\" must be at least 1, got " + n);
      }
      periods = (int) n;
    } else if (node.has("periods")) {
      throw new BadInputException(
          file, line, "\"periods\" goes with \"duration\": \"periods\" only, not " + durationName);
    }
    Set<String> plans = new LinkedHashSet<>();
    JsonNode list = node.get("plans");
    if (list != null) {
      if (!list.isArray()) {
        throw new BadInputException(file, line, "\"plans\" must be a list of plan ids");
      }
      for (JsonNode plan : list) {
        if (!plan.isTextual() || plan.asText().isBlank()) {
          throw new BadInputException(
              file,
              line,
              "\"plans\" must hold plan ids, got " + ReplayInput.abbreviate(plan.toString()));
        }
        plans.add(plan.asText());
      }
    }
    try {
      return new ReplayInput.CouponEntry(
          line,
          at,
          percent
              ? new Coupon(code, (int) off, 0, duration, periods, plans)
              : new Coupon(code, 0, off, duration, periods, plans));
    } catch (InvalidInputException e) {
      throw new BadInputException(file, line, e.getMessage());
    }
  }

  static ReplayInput.RedeemEntry redeem(JsonNode node, Instant at, String file, int line)
      throws BadInputException {
    ReplayInput.onlyFields(node, REDEEM_FIELDS, file, line);
    return new ReplayInput.RedeemEntry(
        line,
        at,
        ReplayInput.tenant(node, file, line),
        ReplayInput.string(node, "coupon", true, file, line));
  }

  /** The coupons the lines read so far defined, by code. */
  static final class Defined {
    private final Map<String, Coupon> byCode = new HashMap<>();

    /**
     * Checks a line against the coupons defined on the lines before it, which a coupon line adds
     * to: a redemption of a coupon not defined yet, or a second definition of a code that differs
     * from the first, is refused.
     */
    void check(ReplayInput.Entry entry, String file) throws BadInputException {
      if (entry instanceof ReplayInput.CouponEntry c) {
        Coupon before = byCode.putIfAbsent(c.coupon().code(), c.coupon());
        if (before != null && !before.equals(c.coupon())) {
          throw new BadInputException(
              file,
              c.line(),
              "coupon " + c.coupon().code() + " is defined otherwise on an earlier line");
        }
      } else if (entry instanceof ReplayInput.RedeemEntry r && !byCode.containsKey(r.coupon())) {
        throw new BadInputException(
            file,
            r.line(),
            "unknown coupon \"" + ReplayInput.abbreviate(r.coupon()) + "\"; define it first");
      }
    }
  }

  private static boolean present(JsonNode node, String field) {
    return node.has(field) && !node.get(field).isNull();
  }

  private static long whole(JsonNode node, String field, String file, int line)
      throws BadInputException {
    JsonNode value = node.get(field);
    if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new BadInputException(
          file,
          line,
          "\""
              + field
              + "\" must be a whole number, got "
              + (value == null ? "nothing" : ReplayInput.abbreviate(value.toString())));
    }
    return value.longValue();
  }
}
