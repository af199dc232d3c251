-- V13: the engine judges a tenant's standing and the storage records the verdict (issue 21). A
-- verdict is recorded only if the tenant's standing revision is still the one it was judged from;
-- every write that may move the standing (a round finished or held, a payment, a closure) and
-- every recorded verdict bumps it, so a verdict judged on a stale read loses. Existing tenants
-- start at 0; adding a column with a constant default rewrites no row.
ALTER TABLE billing_tenant ADD COLUMN standing_revision BIGINT NOT NULL DEFAULT 0;
