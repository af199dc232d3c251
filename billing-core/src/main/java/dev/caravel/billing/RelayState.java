package dev.caravel.billing;

import java.util.Optional;

/**
 * A relay's billing state: whether it exists, is active, and its plan (S4). Folding a relay's
 * activities oldest-first: create → active on its plan; update with a plan → that plan, status
 * unchanged; activate → active; deactivate → inactive.
 */
record RelayState(boolean exists, boolean active, Optional<String> plan) {
  static final RelayState NONE = new RelayState(false, false, Optional.empty());

  RelayState apply(Activity activity) {
    return switch (activity.type()) {
      case CREATE_RELAY -> new RelayState(true, true, activity.plan());
      case UPDATE_RELAY ->
          activity.plan().isPresent() ? new RelayState(exists, active, activity.plan()) : this;
      case ACTIVATE_RELAY -> new RelayState(exists, true, plan);
      case DEACTIVATE_RELAY -> new RelayState(exists, false, plan);
    };
  }
}
