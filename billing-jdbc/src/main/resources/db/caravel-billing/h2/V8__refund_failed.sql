-- V8: a card refund the rail refused outright ends FAILED (issue 21): nothing moved, its amount is
-- free again. H2 named V4's inline check on the status after the table's internal id, which
-- differs between databases, so it can't be dropped by name; dropping the column drops the checks
-- on it alone. The status moves to a new column, then takes the old one's name and a named check.
-- Existing rows keep their status. Not idempotent from the DROP on: Migrations records V8 only once
-- all of it ran.
ALTER TABLE billing_refund ADD COLUMN IF NOT EXISTS status_v8 VARCHAR(16);
UPDATE billing_refund SET status_v8 = status;
ALTER TABLE billing_refund DROP COLUMN status;
ALTER TABLE billing_refund ALTER COLUMN status_v8 RENAME TO status;
ALTER TABLE billing_refund ALTER COLUMN status SET NOT NULL;
ALTER TABLE billing_refund ADD CONSTRAINT IF NOT EXISTS billing_refund_status
  CHECK (status IN ('PENDING', 'OWED', 'DONE', 'FAILED'));
