-- V5: a poll costs what is due, not what was ever recorded (S17). See the PostgreSQL script.
-- Idempotent, like V1: H2 commits each DDL statement on its own. Depends on V1 and V3 only.
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS snapshot_period INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS snapshot_start TIMESTAMP WITH TIME ZONE;
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS unbilled_count INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS due_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS due_taken_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS due_taken_by VARCHAR;
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS due_taken_cycle VARCHAR;
ALTER TABLE billing_tenant ADD CONSTRAINT IF NOT EXISTS billing_tenant_snapshot CHECK (
  snapshot_period >= 0 AND snapshot_period <= renewed_through
  AND (snapshot_period = 0) = (snapshot_start IS NULL)
  AND unbilled_count >= 0);
CREATE INDEX IF NOT EXISTS billing_tenant_due ON billing_tenant (due_at);

ALTER TABLE billing_relay ADD COLUMN IF NOT EXISTS snap_period INTEGER;
ALTER TABLE billing_relay ADD COLUMN IF NOT EXISTS snap_active BOOLEAN;
ALTER TABLE billing_relay ADD COLUMN IF NOT EXISTS snap_plan VARCHAR(128);
ALTER TABLE billing_relay ADD COLUMN IF NOT EXISTS snap_plan_since TIMESTAMP WITH TIME ZONE;
ALTER TABLE billing_relay ADD CONSTRAINT IF NOT EXISTS billing_relay_snapshot CHECK (
  (snap_period IS NULL) = (snap_active IS NULL));

ALTER TABLE billing_catalogue ADD COLUMN IF NOT EXISTS version BIGINT DEFAULT 0 NOT NULL;

-- Backfill: re-running it is harmless (counts recomputed; tenants due once more).
UPDATE billing_tenant t SET unbilled_count =
  (SELECT count(*) FROM billing_activity a WHERE a.tenant = t.pubkey AND NOT a.billed);
UPDATE billing_tenant SET due_at = CAST('1970-01-01 00:00:00+00' AS TIMESTAMP WITH TIME ZONE)
  WHERE anchor IS NOT NULL AND due_at IS NULL;
