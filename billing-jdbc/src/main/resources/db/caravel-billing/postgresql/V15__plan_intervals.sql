-- V15: plan intervals (S19, issue 23). A plan bills every 1, 3, 6 or 12 months, its terms aligned
-- to each tenant's anchor; the engine derives terms, prorations and renewals from it, the storage
-- keeps it with each version of the plan. Every existing plan is monthly: the constant default
-- rewrites no row. The check is the last line of defence.
ALTER TABLE billing_plan_version ADD COLUMN interval_months INTEGER NOT NULL DEFAULT 1;
ALTER TABLE billing_plan_version ADD CONSTRAINT billing_plan_version_interval
  CHECK (interval_months IN (1, 3, 6, 12));
