-- A tenant's unclaimed items, found without reading its claimed history (issue 25, S17: a record
-- costs the new activity, not the log). Every ledger read sums them, as record() reads the ledger it
-- judges; through billing_item_one_renewal that read went over every item the tenant ever had, so
-- a tenant with 100,000 items paid for all of them on each record. The index holds only unclaimed
-- items, a few per tenant. Its price: the claim's update of invoice_id is no longer HOT (V1 kept
-- invoice_id out of every index for that), so each claimed item's row version is indexed again.
CREATE INDEX billing_item_unclaimed ON billing_item (tenant) WHERE invoice_id IS NULL;
