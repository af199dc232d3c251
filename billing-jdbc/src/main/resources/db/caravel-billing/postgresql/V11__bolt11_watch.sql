-- V11: a BOLT11 made before its invoice was paid another way, voided or written off can still be
-- paid until it expires (issue 21, S18). The poll asks the service wallet about the live, unsettled
-- requests of such invoices that have not expired long ago; this index lets it find them by expiry,
-- a cost of the recent requests (each lives an hour), never of the history.
CREATE INDEX billing_bolt11_unsettled ON billing_bolt11 (expires_at, invoice_id)
  WHERE settled_at IS NULL AND live_invoice_id IS NOT NULL;
