-- V4: running a business on the ledger (issue 14): invoice numbers, voids and write-offs,
-- adjustments, refunds, standing, and the durable event feed. Idempotent like V1-V3 except the
-- rebuild of billing_item below (see there).

-- Counters drawn inside the transactions that use them, under the row's lock: a transaction that
-- rolls back gives its values back, so invoice numbers have no gaps, and event ids are handed out
-- in commit order (see EventFeed). Invoices made before V4 keep their ids; numbering starts at 1.
CREATE TABLE IF NOT EXISTS billing_counter (
  name  VARCHAR(32) PRIMARY KEY,
  drawn BIGINT      NOT NULL CHECK (drawn >= 0)
);
INSERT INTO billing_counter (name, drawn)
  SELECT n, 0 FROM (VALUES ('invoice_number'), ('event_id')) AS counters (n)
  WHERE NOT EXISTS (SELECT 1 FROM billing_counter c WHERE c.name = counters.n);

-- The number an invoice's id was made from (NULL for invoices made before V4), and its closure:
-- a voided or written-off invoice is never due again, never paid, never leased.
ALTER TABLE billing_invoice ADD COLUMN IF NOT EXISTS invoice_number BIGINT;
ALTER TABLE billing_invoice ADD CONSTRAINT IF NOT EXISTS billing_invoice_one_number UNIQUE (invoice_number);
ALTER TABLE billing_invoice ADD COLUMN IF NOT EXISTS closed_status VARCHAR(16);
ALTER TABLE billing_invoice ADD COLUMN IF NOT EXISTS closed_reason VARCHAR;
ALTER TABLE billing_invoice ADD COLUMN IF NOT EXISTS closed_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE billing_invoice ADD CONSTRAINT IF NOT EXISTS billing_invoice_closure CHECK (
  (closed_status IS NULL OR closed_status IN ('VOID', 'UNCOLLECTIBLE'))
  AND (closed_status IS NULL) = (closed_reason IS NULL)
  AND (closed_status IS NULL) = (closed_at IS NULL)
  AND (closed_status IS NULL OR (NOT paid AND next_attempt_at IS NULL AND lease_token IS NULL
                                 AND NOT round_open AND hold_reason IS NULL)));

-- A hand adjustment is an item of its own kind, keyed by the host's idempotency key: an item now
-- comes from exactly one of an activity, a renewal or an adjustment. H2 named V1's unnamed check
-- after the table's internal id, which differs between databases, so it can't be dropped by
-- name: the table is rebuilt with every row, its seq values (the order of items of one instant)
-- kept. This part is not idempotent: Migrations records V4 only once all of it ran.
CREATE TABLE billing_item_v4 (
  id             VARCHAR      PRIMARY KEY,
  seq            BIGINT       GENERATED ALWAYS AS IDENTITY UNIQUE,
  tenant         VARCHAR(64)  NOT NULL REFERENCES billing_tenant (pubkey),
  relay          VARCHAR(128) NOT NULL,
  plan           VARCHAR(128) NOT NULL,
  amount         BIGINT       NOT NULL CHECK (amount <> 0),
  description    VARCHAR      NOT NULL,
  at             TIMESTAMP WITH TIME ZONE NOT NULL,
  activity_id    VARCHAR(128) REFERENCES billing_activity (id),
  renewal_period INTEGER      CHECK (renewal_period >= 1),
  invoice_id     VARCHAR(128) REFERENCES billing_invoice (id),
  adjustment_key VARCHAR(160),
  CONSTRAINT billing_item_one_source CHECK (
    (CASE WHEN activity_id IS NULL THEN 0 ELSE 1 END)
    + (CASE WHEN renewal_period IS NULL THEN 0 ELSE 1 END)
    + (CASE WHEN adjustment_key IS NULL THEN 0 ELSE 1 END) = 1)
);
INSERT INTO billing_item_v4
  (id, seq, tenant, relay, plan, amount, description, at, activity_id, renewal_period, invoice_id)
  OVERRIDING SYSTEM VALUE
  SELECT id, seq, tenant, relay, plan, amount, description, at, activity_id, renewal_period, invoice_id
  FROM billing_item;
ALTER TABLE billing_item_v4 ALTER COLUMN seq RESTART WITH (SELECT COALESCE(MAX(seq), 0) + 1 FROM billing_item_v4);
DROP TABLE billing_item;
ALTER TABLE billing_item_v4 RENAME TO billing_item;
ALTER TABLE billing_item ADD CONSTRAINT billing_item_one_per_activity UNIQUE (activity_id);
ALTER TABLE billing_item ADD CONSTRAINT billing_item_one_renewal UNIQUE (tenant, relay, renewal_period);
ALTER TABLE billing_item ADD CONSTRAINT billing_item_one_adjustment UNIQUE (adjustment_key);
CREATE INDEX IF NOT EXISTS billing_item_unclaimed ON billing_item (tenant, invoice_id);
CREATE INDEX IF NOT EXISTS billing_item_by_invoice ON billing_item (invoice_id);

-- Standing (S13) as last judged, and when time alone may change it: the poll visits only the
-- tenants whose check is due. Tenants with unpaid invoices are judged at the first poll.
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS standing VARCHAR(16) DEFAULT 'GOOD' NOT NULL;
ALTER TABLE billing_tenant ADD CONSTRAINT IF NOT EXISTS billing_tenant_standing
  CHECK (standing IN ('GOOD', 'PAST_DUE', 'SUSPENDED'));
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS standing_check_at TIMESTAMP WITH TIME ZONE;
UPDATE billing_tenant SET standing_check_at =
  (SELECT MIN(i.created_at) FROM billing_invoice i WHERE i.tenant = billing_tenant.pubkey AND NOT i.paid)
  WHERE standing_check_at IS NULL;
CREATE INDEX IF NOT EXISTS billing_tenant_standing_due ON billing_tenant (standing_check_at);

-- Refunds recorded against paid invoices, keyed by the host's idempotency key.
CREATE TABLE IF NOT EXISTS billing_refund (
  refund_key VARCHAR(128) PRIMARY KEY,
  seq        BIGINT       GENERATED ALWAYS AS IDENTITY UNIQUE,
  invoice_id VARCHAR(128) NOT NULL REFERENCES billing_invoice (id),
  tenant     VARCHAR(64)  NOT NULL REFERENCES billing_tenant (pubkey),
  amount     BIGINT       NOT NULL CHECK (amount > 0),
  reason     VARCHAR      NOT NULL,
  via        VARCHAR(16)  NOT NULL CHECK (via IN ('CARD', 'BY_HAND', 'CREDIT')),
  status     VARCHAR(16)  NOT NULL CHECK (status IN ('PENDING', 'OWED', 'DONE')),
  reference  VARCHAR,
  at         TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX IF NOT EXISTS billing_refund_by_invoice ON billing_refund (invoice_id, seq);

-- Second payments of an invoice already paid or closed, one row per reference: each is reported
-- (REFUND_NEEDED) once.
CREATE TABLE IF NOT EXISTS billing_extra_payment (
  invoice_id VARCHAR(128) NOT NULL REFERENCES billing_invoice (id),
  reference  VARCHAR      NOT NULL,
  method     VARCHAR(16)  NOT NULL,
  paid_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (invoice_id, reference)
);

-- The durable event feed (S16): append-only, ids from the event_id counter.
CREATE TABLE IF NOT EXISTS billing_event (
  id         BIGINT       PRIMARY KEY CHECK (id > 0),
  type       VARCHAR(32)  NOT NULL,
  tenant     VARCHAR(64)  NOT NULL,
  invoice_id VARCHAR(128),
  amount     BIGINT       NOT NULL,
  reference  VARCHAR,
  detail     VARCHAR      NOT NULL,
  at         TIMESTAMP WITH TIME ZONE NOT NULL
);
