-- V18: plan changes at term end (S22, issue 23). A relay's plan change may be scheduled for the end
-- of its term, and cancelled: two new activity types, recorded in the log like the others, so the
-- ledger stays a fold of the log. V1's inline check on the type was unnamed; PostgreSQL named it
-- billing_activity_type_check. A relay's snapshot (S17) keeps the change still to come at its
-- snapshot point, the plan and the instant the engine computed; both NULL: none (every existing
-- row). The checks are the last line of defence; the rules are the engine's.
ALTER TABLE billing_activity DROP CONSTRAINT billing_activity_type_check;
ALTER TABLE billing_activity ADD CONSTRAINT billing_activity_type CHECK (type IN
  ('create_relay', 'update_relay', 'activate_relay', 'deactivate_relay',
   'schedule_change', 'cancel_change'));
ALTER TABLE billing_relay ADD COLUMN snap_change_plan VARCHAR(128);
ALTER TABLE billing_relay ADD COLUMN snap_change_at TIMESTAMPTZ;
ALTER TABLE billing_relay ADD CONSTRAINT billing_relay_scheduled_change CHECK (
  (snap_change_plan IS NULL) = (snap_change_at IS NULL)
  AND (snap_change_plan IS NULL OR snap_period IS NOT NULL));
