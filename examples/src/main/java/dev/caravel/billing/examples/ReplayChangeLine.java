package dev.caravel.billing.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.Activity;
import dev.caravel.billing.InvalidInputException;
import java.time.Instant;
import java.util.Set;

/**
 * The replay's plan changes at term end (S22, issue 23): {@code {"at", "tenant", "type":
 * "update_relay", "relay", "plan", "when": "term_end"}} schedules the change for the end of the
 * relay's current term ({@code "when": "now"}, or no {@code when}, is the plan change at once it
 * always was), and {@code {"at", "tenant", "type": "cancel_change", "relay"}} drops the change
 * still to come. Both are activities: the engine judges them (an inactive relay, its own plan,
 * nothing to cancel are bad lines) and they bill nothing when they arrive. The engine's own type
 * name {@code schedule_change} is refused, so a log has one way to say it.
 */
final class ReplayChangeLine {
  static final Set<String> UPDATE_FIELDS = Set.of("at", "tenant", "type", "relay", "plan", "when");
  static final Set<String> CANCEL_FIELDS = Set.of("at", "tenant", "type", "relay");

  private ReplayChangeLine() {}

  /** Whether this line is one of S22's (or the plain update it leaves as it was). */
  static boolean handles(String type, JsonNode node) {
    return type.equals("cancel_change")
        || type.equals("schedule_change")
        || (type.equals("update_relay") && node.has("when"));
  }

  static ReplayInput.ActivityEntry parse(
      String type, JsonNode node, Instant at, String file, int line) throws BadInputException {
    if (type.equals("schedule_change")) {
      throw new BadInputException(
          file,
          line,
          "a change at term end is written {\"type\": \"update_relay\", ..., \"plan\": P,"
              + " \"when\": \"term_end\"}");
    }
    boolean cancel = type.equals("cancel_change");
    ReplayInput.onlyFields(node, cancel ? CANCEL_FIELDS : UPDATE_FIELDS, file, line);
    String tenant = ReplayInput.tenant(node, file, line);
    String relay = ReplayInput.string(node, "relay", true, file, line);
    // The line number names the activity, as for every activity line.
    String id = "line-" + line;
    try {
      if (cancel) {
        return new ReplayInput.ActivityEntry(line, Activity.cancelChange(id, tenant, relay, at));
      }
      String when = ReplayInput.string(node, "when", true, file, line);
      String plan = ReplayInput.string(node, "plan", when.equals("term_end"), file, line);
      return switch (when) {
        case "now" ->
            new ReplayInput.ActivityEntry(line, Activity.update(id, tenant, relay, plan, at));
        case "term_end" ->
            new ReplayInput.ActivityEntry(
                line, Activity.scheduleChange(id, tenant, relay, plan, at));
        default ->
            throw new BadInputException(
                file,
                line,
                "\"when\" must be \"now\" or \"term_end\", got \""
                    + ReplayInput.abbreviate(when)
                    + "\"");
      };
    } catch (InvalidInputException e) {
      throw new BadInputException(file, line, e.getMessage());
    }
  }
}
