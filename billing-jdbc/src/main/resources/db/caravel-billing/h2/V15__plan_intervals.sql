-- V15: plan intervals (S19, issue 23). A plan bills every 1, 3, 6 or 12 months, its terms aligned
-- to each tenant's anchor; the engine derives terms, prorations and renewals from it, the storage
-- keeps it with each version of the plan. Every existing plan is monthly. The check is the last
-- line of defence. Idempotent, like V1-V4.
ALTER TABLE billing_plan_version ADD COLUMN IF NOT EXISTS interval_months INTEGER DEFAULT 1 NOT NULL;
ALTER TABLE billing_plan_version ADD CONSTRAINT IF NOT EXISTS billing_plan_version_interval
  CHECK (interval_months IN (1, 3, 6, 12));
