-- V18: plan changes at term end (S22, issue 23). A relay's plan change may be scheduled for the end
-- of its term, and cancelled: two new activity types, recorded in the log like the others, so the
-- ledger stays a fold of the log. H2 named V1's inline check on the type after the table's internal
-- id, which differs between databases, so it can't be dropped by name; dropping the column drops
-- the checks on it alone (as V8 does for refunds). The type moves to a new column, then takes the
-- old one's name and a named check; existing rows keep their type. A relay's snapshot (S17) keeps
-- the change still to come at its snapshot point, the plan and the instant the engine computed;
-- both NULL: none (every existing row). Not idempotent from the DROP on: Migrations records V18
-- only once all of it ran.
ALTER TABLE billing_activity ADD COLUMN IF NOT EXISTS type_v18 VARCHAR(16);
UPDATE billing_activity SET type_v18 = type;
ALTER TABLE billing_activity DROP COLUMN type;
ALTER TABLE billing_activity ALTER COLUMN type_v18 RENAME TO type;
ALTER TABLE billing_activity ALTER COLUMN type SET NOT NULL;
ALTER TABLE billing_activity ADD CONSTRAINT IF NOT EXISTS billing_activity_type CHECK (type IN
  ('create_relay', 'update_relay', 'activate_relay', 'deactivate_relay',
   'schedule_change', 'cancel_change'));
ALTER TABLE billing_relay ADD COLUMN IF NOT EXISTS snap_change_plan VARCHAR(128);
ALTER TABLE billing_relay ADD COLUMN IF NOT EXISTS snap_change_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE billing_relay ADD CONSTRAINT IF NOT EXISTS billing_relay_scheduled_change CHECK (
  (snap_change_plan IS NULL) = (snap_change_at IS NULL)
  AND (snap_change_plan IS NULL OR snap_period IS NOT NULL));
