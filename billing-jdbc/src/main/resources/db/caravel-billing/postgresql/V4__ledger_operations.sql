-- V4: running a business on the ledger (issue 14): invoice numbers, voids and write-offs,
-- adjustments, refunds, standing, and the durable event feed.

-- Counters drawn inside the transactions that use them, under the row's lock: a transaction that
-- rolls back gives its values back, so invoice numbers have no gaps, and event ids are handed out
-- in commit order (see EventFeed). Invoices made before V4 keep their ids; numbering starts at 1.
CREATE TABLE billing_counter (
  name  VARCHAR(32) PRIMARY KEY,
  drawn BIGINT      NOT NULL CHECK (drawn >= 0)
);
INSERT INTO billing_counter (name, drawn) VALUES ('invoice_number', 0), ('event_id', 0);

-- The number an invoice's id was made from (NULL for invoices made before V4), and its closure:
-- a voided or written-off invoice is never due again, never paid, never leased.
ALTER TABLE billing_invoice ADD COLUMN invoice_number BIGINT UNIQUE;
ALTER TABLE billing_invoice ADD COLUMN closed_status VARCHAR(16)
  CHECK (closed_status IN ('VOID', 'UNCOLLECTIBLE'));
ALTER TABLE billing_invoice ADD COLUMN closed_reason VARCHAR;
ALTER TABLE billing_invoice ADD COLUMN closed_at TIMESTAMPTZ;
ALTER TABLE billing_invoice ADD CONSTRAINT billing_invoice_closure CHECK (
  (closed_status IS NULL) = (closed_reason IS NULL)
  AND (closed_status IS NULL) = (closed_at IS NULL)
  AND (closed_status IS NULL OR (NOT paid AND next_attempt_at IS NULL AND lease_token IS NULL
                                 AND NOT round_open AND hold_reason IS NULL)));

-- A hand adjustment is an item of its own kind, keyed by the host's idempotency key: an item now
-- comes from exactly one of an activity, a renewal or an adjustment. V1's check was unnamed;
-- PostgreSQL named it billing_item_check.
ALTER TABLE billing_item ADD COLUMN adjustment_key VARCHAR(160);
ALTER TABLE billing_item DROP CONSTRAINT billing_item_check;
ALTER TABLE billing_item ADD CONSTRAINT billing_item_one_source CHECK (
  (CASE WHEN activity_id IS NULL THEN 0 ELSE 1 END)
  + (CASE WHEN renewal_period IS NULL THEN 0 ELSE 1 END)
  + (CASE WHEN adjustment_key IS NULL THEN 0 ELSE 1 END) = 1);
ALTER TABLE billing_item ADD CONSTRAINT billing_item_one_adjustment UNIQUE (adjustment_key);

-- Standing (S13) as last judged, and when time alone may change it: the poll visits only the
-- tenants whose check is due. Tenants with unpaid invoices are judged at the first poll.
ALTER TABLE billing_tenant ADD COLUMN standing VARCHAR(16) NOT NULL DEFAULT 'GOOD'
  CHECK (standing IN ('GOOD', 'PAST_DUE', 'SUSPENDED'));
ALTER TABLE billing_tenant ADD COLUMN standing_check_at TIMESTAMPTZ;
UPDATE billing_tenant SET standing_check_at =
  (SELECT MIN(i.created_at) FROM billing_invoice i WHERE i.tenant = billing_tenant.pubkey AND NOT i.paid)
  WHERE standing_check_at IS NULL;
CREATE INDEX billing_tenant_standing_due ON billing_tenant (standing_check_at)
  WHERE standing_check_at IS NOT NULL;

-- Refunds recorded against paid invoices, keyed by the host's idempotency key.
CREATE TABLE billing_refund (
  refund_key VARCHAR(128) PRIMARY KEY,
  seq        BIGINT       GENERATED ALWAYS AS IDENTITY UNIQUE,
  invoice_id VARCHAR(128) NOT NULL REFERENCES billing_invoice (id),
  tenant     VARCHAR(64)  NOT NULL REFERENCES billing_tenant (pubkey),
  amount     BIGINT       NOT NULL CHECK (amount > 0),
  reason     VARCHAR      NOT NULL,
  via        VARCHAR(16)  NOT NULL CHECK (via IN ('CARD', 'BY_HAND', 'CREDIT')),
  status     VARCHAR(16)  NOT NULL CHECK (status IN ('PENDING', 'OWED', 'DONE')),
  reference  VARCHAR,
  at         TIMESTAMPTZ  NOT NULL
);
CREATE INDEX billing_refund_by_invoice ON billing_refund (invoice_id, seq);

-- Second payments of an invoice already paid or closed, one row per reference: each is reported
-- (REFUND_NEEDED) once.
CREATE TABLE billing_extra_payment (
  invoice_id VARCHAR(128) NOT NULL REFERENCES billing_invoice (id),
  reference  VARCHAR      NOT NULL,
  method     VARCHAR(16)  NOT NULL,
  paid_at    TIMESTAMPTZ  NOT NULL,
  PRIMARY KEY (invoice_id, reference)
);

-- The durable event feed (S16): append-only, ids from the event_id counter.
CREATE TABLE billing_event (
  id         BIGINT       PRIMARY KEY CHECK (id > 0),
  type       VARCHAR(32)  NOT NULL,
  tenant     VARCHAR(64)  NOT NULL,
  invoice_id VARCHAR(128),
  amount     BIGINT       NOT NULL,
  reference  VARCHAR,
  detail     VARCHAR      NOT NULL,
  at         TIMESTAMPTZ  NOT NULL
);
