-- V12: a round that ends on a fault of ours is held for a person (issue 21): the rail refused our
-- request, key or account (CONFIGURATION_FAULT), or the charge was refused before it was sent
-- (REFUSED_BEFORE_SEND, e.g. below the card minimum). No money can move on either, so such an
-- invoice may be closed or retried; the engine decides that, the storage only records the hold.
-- V2's inline check on the column was unnamed; PostgreSQL named it billing_invoice_hold_reason_check.
-- Every existing row satisfies the new, named check.
ALTER TABLE billing_invoice DROP CONSTRAINT billing_invoice_hold_reason_check;
ALTER TABLE billing_invoice ADD CONSTRAINT billing_invoice_hold_reason CHECK (hold_reason IN
  ('PAYMENT_PENDING', 'OUTCOME_UNKNOWN', 'CONFIGURATION_FAULT', 'REFUSED_BEFORE_SEND'));
