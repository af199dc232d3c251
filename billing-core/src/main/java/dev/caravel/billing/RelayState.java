package dev.caravel.billing;

import java.time.Instant;
import java.util.Optional;

/**
 * A relay's billing state: whether it exists, is active, its plan (S4), and since when it has been
 * on that plan (the activity that chose it; grandfathering reads the period holding it, S15).
 * Folding a relay's activities oldest-first: create → active on its plan; update with a plan → that
 * plan, status unchanged; activate → active; deactivate → inactive.
 */
record RelayState(boolean exists, boolean active, Optional<String> plan, Instant planSince) {
  static final RelayState NONE = new RelayState(false, false, Optional.empty(), null);

  RelayState apply(Activity activity) {
    return switch (activity.type()) {
      case CREATE_RELAY -> new RelayState(true, true, activity.plan(), activity.at());
      case UPDATE_RELAY ->
          activity.plan().isPresent() && !activity.plan().equals(plan)
              ? new RelayState(exists, active, activity.plan(), activity.at())
              : this;
        // Unchanged states are shared, not copied: the fold allocates only on a change.
      case ACTIVATE_RELAY -> active ? this : new RelayState(exists, true, plan, planSince);
      case DEACTIVATE_RELAY -> active ? new RelayState(exists, false, plan, planSince) : this;
    };
  }
}
