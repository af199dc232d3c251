-- PostgreSQL's V20 adds an index of unclaimed items by tenant. H2 has had one since V1
-- (billing_item_unclaimed on tenant, invoice_id); this keeps the two dialects' versions in step.
CREATE INDEX IF NOT EXISTS billing_item_unclaimed ON billing_item (tenant, invoice_id);
