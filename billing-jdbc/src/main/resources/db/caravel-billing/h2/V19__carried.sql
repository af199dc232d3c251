-- V19: below the card minimum (S25, issue 23). An invoice the engine closes as carried when it
-- claims it is closed like a voided or written-off one (never due, never paid, never leased) with
-- closed_status 'CARRIED'. V4's named closure check allowed only 'VOID' and 'UNCOLLECTIBLE': it is
-- replaced by the same check with 'CARRIED' added. The carried amount is an ordinary unclaimed item
-- keyed by its id (carried:<invoice id>), so the primary key holds it to one per carried invoice:
-- no new column. Idempotent, like V1-V4: dropped if there, then added.
ALTER TABLE billing_invoice DROP CONSTRAINT IF EXISTS billing_invoice_closure;
ALTER TABLE billing_invoice ADD CONSTRAINT billing_invoice_closure CHECK (
  (closed_status IS NULL OR closed_status IN ('VOID', 'UNCOLLECTIBLE', 'CARRIED'))
  AND (closed_status IS NULL) = (closed_reason IS NULL)
  AND (closed_status IS NULL) = (closed_at IS NULL)
  AND (closed_status IS NULL OR (NOT paid AND next_attempt_at IS NULL AND lease_token IS NULL
                                 AND NOT round_open AND hold_reason IS NULL)));
