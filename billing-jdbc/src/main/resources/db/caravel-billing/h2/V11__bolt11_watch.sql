-- V11: a BOLT11 made before its invoice was paid another way, voided or written off can still be
-- paid until it expires (issue 21, S18). The poll asks the service wallet about the live, unsettled
-- requests of such invoices that have not expired long ago; this index lets it find them by expiry,
-- a cost of the recent requests (each lives an hour), never of the history. (H2 has no partial
-- index: this one holds every request.)
CREATE INDEX IF NOT EXISTS billing_bolt11_by_expiry ON billing_bolt11 (expires_at, invoice_id);
