-- V5: a poll costs what is due, not what was ever recorded (S17).
-- Per tenant: a snapshot of its relays' states as of the start of a renewed period (reads fetch
-- only the activity from that point on), how many of its activities are unbilled, and its next
-- instant of work, indexed, with until when a poll has taken it. Depends on V1 and V3 only.
ALTER TABLE billing_tenant ADD COLUMN snapshot_period INTEGER NOT NULL DEFAULT 0;
ALTER TABLE billing_tenant ADD COLUMN snapshot_start TIMESTAMPTZ;
ALTER TABLE billing_tenant ADD COLUMN unbilled_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE billing_tenant ADD COLUMN due_at TIMESTAMPTZ;          -- null: no work scheduled
ALTER TABLE billing_tenant ADD COLUMN due_taken_until TIMESTAMPTZ; -- a poll's take, a hint only
ALTER TABLE billing_tenant ADD COLUMN due_taken_by VARCHAR;      -- the instance that took it
ALTER TABLE billing_tenant ADD COLUMN due_taken_cycle VARCHAR;   -- and in which poll cycle
ALTER TABLE billing_tenant ADD CONSTRAINT billing_tenant_snapshot CHECK (
  snapshot_period >= 0 AND snapshot_period <= renewed_through
  AND (snapshot_period = 0) = (snapshot_start IS NULL)
  AND unbilled_count >= 0);
CREATE INDEX billing_tenant_due ON billing_tenant (due_at) WHERE due_at IS NOT NULL;

-- A relay's state as of its tenant's snapshot point; null for a relay created after it.
ALTER TABLE billing_relay ADD COLUMN snap_period INTEGER;
ALTER TABLE billing_relay ADD COLUMN snap_active BOOLEAN;
ALTER TABLE billing_relay ADD COLUMN snap_plan VARCHAR(128);
ALTER TABLE billing_relay ADD COLUMN snap_plan_since TIMESTAMPTZ;
ALTER TABLE billing_relay ADD CONSTRAINT billing_relay_snapshot CHECK (
  (snap_period IS NULL) = (snap_active IS NULL));

-- Bumped by every catalogue write: engines keep the catalogue while it stays put.
ALTER TABLE billing_catalogue ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- Backfill. Snapshots start empty (the whole log is read) and advance with each tenant's next
-- renewal. Every tenant with activity is due once: its first visit files its next due instant.
UPDATE billing_tenant t SET unbilled_count =
  (SELECT count(*) FROM billing_activity a WHERE a.tenant = t.pubkey AND NOT a.billed);
UPDATE billing_tenant SET due_at = CAST('1970-01-01 00:00:00+00' AS TIMESTAMP WITH TIME ZONE)
  WHERE anchor IS NOT NULL;
