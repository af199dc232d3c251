-- V16: trials (S20, issue 23). A tenant may be given a trial of 1 to 365 days before its first
-- activity; the engine then anchors it at the trial's end and passes the renewal mark the trial
-- runs under: -2 (trial running, from its first activity), -1 (the trial-ending event written, from
-- 3 days before the anchor), then 0 at the anchor, where period 0 is renewed once with each relay's
-- first term. Each mark keeps its start in renewed_period_start, which the due index compares a
-- visit's window with. NULL trial_days: no trial (every existing tenant); existing rows keep their
-- marks and satisfy the new checks. The checks are the last line of defence; the rules are the
-- engine's.
ALTER TABLE billing_tenant ADD COLUMN trial_days INTEGER;
ALTER TABLE billing_tenant ADD CONSTRAINT billing_tenant_trial
  CHECK (trial_days IS NULL OR trial_days BETWEEN 1 AND 365);
ALTER TABLE billing_tenant DROP CONSTRAINT billing_tenant_renewal_mark;
ALTER TABLE billing_tenant ADD CONSTRAINT billing_tenant_renewal_mark CHECK (
  renewed_through >= -2
  AND (renewed_through <= 0 OR renewed_period_start IS NOT NULL)
  AND (renewed_through <> 0 OR renewed_period_start IS NULL OR renewed_period_start = anchor)
  AND (renewed_through >= 0 OR (trial_days IS NOT NULL AND renewed_period_start < anchor)));
-- A snapshot is of a renewed period from 1 on; a trial's marks have none.
ALTER TABLE billing_tenant DROP CONSTRAINT billing_tenant_snapshot;
ALTER TABLE billing_tenant ADD CONSTRAINT billing_tenant_snapshot CHECK (
  snapshot_period >= 0 AND snapshot_period <= GREATEST(renewed_through, 0)
  AND (snapshot_period = 0) = (snapshot_start IS NULL)
  AND unbilled_count >= 0);
-- Period 0's first-term items are renewals of period 0 (V1's check named by PostgreSQL's rule).
ALTER TABLE billing_item DROP CONSTRAINT billing_item_renewal_period_check;
ALTER TABLE billing_item ADD CONSTRAINT billing_item_renewal_period CHECK (renewal_period >= 0);
