-- V19: below the card minimum (S25, issue 23). An invoice the engine closes as carried when it
-- claims it is closed like a voided or written-off one (never due, never paid, never leased: V4's
-- billing_invoice_closure check already says so) with closed_status 'CARRIED'. V4 allowed only
-- 'VOID' and 'UNCOLLECTIBLE' through a column check PostgreSQL named after the column; it is
-- replaced by a named one. The carried amount is an ordinary unclaimed item keyed by its id
-- (carried:<invoice id>, adjustment_key the same), so the primary key already holds it to one per
-- carried invoice: no new column. Every existing row passes the wider check.
ALTER TABLE billing_invoice DROP CONSTRAINT IF EXISTS billing_invoice_closed_status_check;
ALTER TABLE billing_invoice ADD CONSTRAINT billing_invoice_closed_status
  CHECK (closed_status IN ('VOID', 'UNCOLLECTIBLE', 'CARRIED'));
