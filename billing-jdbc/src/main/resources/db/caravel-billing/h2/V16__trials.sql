-- V16: trials (S20, issue 23). See the PostgreSQL script. Idempotent, like V1-V4, but for the
-- column swap at the end: H2 names V4's column check on billing_item.renewal_period itself, so the
-- column is copied to one without it and the named constraints around it are made again.
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS trial_days INTEGER;
ALTER TABLE billing_tenant ADD CONSTRAINT IF NOT EXISTS billing_tenant_trial
  CHECK (trial_days IS NULL OR trial_days BETWEEN 1 AND 365);
ALTER TABLE billing_tenant DROP CONSTRAINT IF EXISTS billing_tenant_renewal_mark;
ALTER TABLE billing_tenant ADD CONSTRAINT IF NOT EXISTS billing_tenant_renewal_mark CHECK (
  renewed_through >= -2
  AND (renewed_through <= 0 OR renewed_period_start IS NOT NULL)
  AND (renewed_through <> 0 OR renewed_period_start IS NULL OR renewed_period_start = anchor)
  AND (renewed_through >= 0 OR (trial_days IS NOT NULL AND renewed_period_start < anchor)));
ALTER TABLE billing_tenant DROP CONSTRAINT IF EXISTS billing_tenant_snapshot;
ALTER TABLE billing_tenant ADD CONSTRAINT IF NOT EXISTS billing_tenant_snapshot CHECK (
  snapshot_period >= 0 AND snapshot_period <= GREATEST(renewed_through, 0)
  AND (snapshot_period = 0) = (snapshot_start IS NULL)
  AND unbilled_count >= 0);
ALTER TABLE billing_item DROP CONSTRAINT IF EXISTS billing_item_one_source;
ALTER TABLE billing_item DROP CONSTRAINT IF EXISTS billing_item_one_renewal;
ALTER TABLE billing_item ADD COLUMN renewal_period_v16 INTEGER;
UPDATE billing_item SET renewal_period_v16 = renewal_period;
ALTER TABLE billing_item DROP COLUMN renewal_period;
ALTER TABLE billing_item ALTER COLUMN renewal_period_v16 RENAME TO renewal_period;
ALTER TABLE billing_item ADD CONSTRAINT billing_item_renewal_period CHECK (renewal_period >= 0);
ALTER TABLE billing_item ADD CONSTRAINT billing_item_one_source CHECK (
  (CASE WHEN activity_id IS NULL THEN 0 ELSE 1 END)
  + (CASE WHEN renewal_period IS NULL THEN 0 ELSE 1 END)
  + (CASE WHEN adjustment_key IS NULL THEN 0 ELSE 1 END) = 1);
ALTER TABLE billing_item ADD CONSTRAINT billing_item_one_renewal UNIQUE (tenant, relay, renewal_period);
