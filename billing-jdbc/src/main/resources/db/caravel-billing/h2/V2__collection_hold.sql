-- V2: an invoice can be held for a rail's answer (a pending card charge, an outcome unknown past
-- the gateway's idempotency window). A held invoice has no next attempt: no round starts, by
-- poll or by hand, until the hold ends (paid, or reopened by the rail's answer).
-- Idempotent, like V1: H2 commits each DDL statement on its own.
ALTER TABLE billing_invoice ADD COLUMN IF NOT EXISTS hold_reason VARCHAR(32);
ALTER TABLE billing_invoice ADD COLUMN IF NOT EXISTS hold_detail VARCHAR;
ALTER TABLE billing_invoice ADD CONSTRAINT IF NOT EXISTS billing_invoice_hold CHECK (
  (hold_reason IS NULL OR hold_reason IN ('PAYMENT_PENDING', 'OUTCOME_UNKNOWN'))
  AND (hold_reason IS NULL) = (hold_detail IS NULL)
  AND (hold_reason IS NULL OR (NOT paid AND next_attempt_at IS NULL AND NOT round_open)));
