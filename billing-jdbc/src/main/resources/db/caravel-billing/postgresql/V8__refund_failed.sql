-- V8: a card refund the rail refused outright ends FAILED (issue 21): nothing moved, its amount is
-- free again. V4's inline check on the status was unnamed; PostgreSQL named it
-- billing_refund_status_check. Existing rows keep their status, all of which the new check allows.
ALTER TABLE billing_refund DROP CONSTRAINT billing_refund_status_check;
ALTER TABLE billing_refund ADD CONSTRAINT billing_refund_status
  CHECK (status IN ('PENDING', 'OWED', 'DONE', 'FAILED'));
