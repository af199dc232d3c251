-- V2: an invoice can be held for a rail's answer (a pending card charge, an outcome unknown past
-- the gateway's idempotency window). A held invoice has no next attempt: no round starts, by
-- poll or by hand, until the hold ends (paid, or reopened by the rail's answer).
ALTER TABLE billing_invoice ADD COLUMN hold_reason VARCHAR(32)
  CHECK (hold_reason IN ('PAYMENT_PENDING', 'OUTCOME_UNKNOWN'));
ALTER TABLE billing_invoice ADD COLUMN hold_detail VARCHAR;
ALTER TABLE billing_invoice ADD CONSTRAINT billing_invoice_hold CHECK (
  (hold_reason IS NULL) = (hold_detail IS NULL)
  AND (hold_reason IS NULL OR (NOT paid AND next_attempt_at IS NULL AND NOT round_open)));
