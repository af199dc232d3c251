-- V12: a round that ends on a fault of ours is held for a person (issue 21): the rail refused our
-- request, key or account (CONFIGURATION_FAULT), or the charge was refused before it was sent
-- (REFUSED_BEFORE_SEND, e.g. below the card minimum). No money can move on either, so such an
-- invoice may be closed or retried; the engine decides that, the storage only records the hold.
-- The check named in V2 is replaced with one that allows the two new reasons; every existing row
-- satisfies it. Idempotent, like V2.
ALTER TABLE billing_invoice DROP CONSTRAINT IF EXISTS billing_invoice_hold;
ALTER TABLE billing_invoice ADD CONSTRAINT IF NOT EXISTS billing_invoice_hold CHECK (
  (hold_reason IS NULL OR hold_reason IN
    ('PAYMENT_PENDING', 'OUTCOME_UNKNOWN', 'CONFIGURATION_FAULT', 'REFUSED_BEFORE_SEND'))
  AND (hold_reason IS NULL) = (hold_detail IS NULL)
  AND (hold_reason IS NULL OR (NOT paid AND next_attempt_at IS NULL AND NOT round_open)));
