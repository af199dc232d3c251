-- Caravel Billing ledger, H2 2.x. Flyway: locations=classpath:db/migration/h2.
-- Without Flyway, JdbcRepository.migrate(dataSource) applies this file.
-- H2 commits each DDL statement on its own, so every statement here is idempotent
-- (IF NOT EXISTS): instances starting at once may run it side by side safely.
-- The constraints, not the application, carry the ledger's invariants.

CREATE TABLE IF NOT EXISTS billing_tenant (
  pubkey               VARCHAR(64)  PRIMARY KEY,
  sealed_nwc_uri       VARCHAR,
  stripe_customer_id   VARCHAR(128),
  anchor               TIMESTAMP WITH TIME ZONE,          -- S1: set by the first activity, never moved
  last_activity_at     TIMESTAMP WITH TIME ZONE,
  activity_count       INTEGER      NOT NULL DEFAULT 0,   -- guards renewals computed from a stale log
  renewed_through      INTEGER      NOT NULL DEFAULT 0,   -- last renewed period; 0: none
  renewed_period_start TIMESTAMP WITH TIME ZONE,
  CONSTRAINT billing_tenant_renewal_mark CHECK (renewed_through >= 0 AND (renewed_through = 0) = (renewed_period_start IS NULL))
);

CREATE TABLE IF NOT EXISTS billing_relay (
  tenant VARCHAR(64)  NOT NULL REFERENCES billing_tenant (pubkey),
  relay  VARCHAR(128) NOT NULL,
  PRIMARY KEY (tenant, relay)
);

CREATE TABLE IF NOT EXISTS billing_activity (
  id     VARCHAR(128) PRIMARY KEY,                          -- the host's id: recording is idempotent
  seq    BIGINT       GENERATED ALWAYS AS IDENTITY UNIQUE,   -- append order among equal times
  tenant VARCHAR(64)  NOT NULL,
  type   VARCHAR(16)  NOT NULL
         CHECK (type IN ('create_relay', 'update_relay', 'activate_relay', 'deactivate_relay')),
  relay  VARCHAR(128) NOT NULL,
  plan   VARCHAR(128),
  at     TIMESTAMP WITH TIME ZONE NOT NULL,
  billed BOOLEAN      NOT NULL DEFAULT FALSE,
  FOREIGN KEY (tenant, relay) REFERENCES billing_relay (tenant, relay)
);
CREATE INDEX IF NOT EXISTS billing_activity_by_tenant ON billing_activity (tenant, at, seq);

CREATE TABLE IF NOT EXISTS billing_invoice (
  id               VARCHAR(128) PRIMARY KEY,
  seq              BIGINT       GENERATED ALWAYS AS IDENTITY UNIQUE,
  tenant           VARCHAR(64)  NOT NULL REFERENCES billing_tenant (pubkey),
  period_start     TIMESTAMP WITH TIME ZONE NOT NULL,
  period_end       TIMESTAMP WITH TIME ZONE NOT NULL,
  total            BIGINT       NOT NULL CHECK (total > 0),
  currency         VARCHAR      NOT NULL,
  created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
  paid             BOOLEAN      NOT NULL DEFAULT FALSE,
  rounds           INTEGER      NOT NULL DEFAULT 0 CHECK (rounds >= 0),
  round_open       BOOLEAN      NOT NULL DEFAULT FALSE,
  first_attempt_at TIMESTAMP WITH TIME ZONE,
  next_attempt_at  TIMESTAMP WITH TIME ZONE,
  lease_token      VARCHAR,
  lease_until      TIMESTAMP WITH TIME ZONE,
  CHECK (period_start < period_end),
  CHECK ((lease_token IS NULL) = (lease_until IS NULL)),
  CHECK (NOT paid OR next_attempt_at IS NULL)              -- a paid invoice is never due again
);
CREATE INDEX IF NOT EXISTS billing_invoice_by_tenant ON billing_invoice (tenant, seq);
CREATE INDEX IF NOT EXISTS billing_invoice_due ON billing_invoice (paid, next_attempt_at);

-- One paid transition per invoice: the primary key admits one payment row.
CREATE TABLE IF NOT EXISTS billing_payment (
  invoice_id VARCHAR(128) PRIMARY KEY REFERENCES billing_invoice (id),
  method     VARCHAR(16)  NOT NULL CHECK (method IN ('nwc', 'oob', 'stripe', 'manual')),
  reference  VARCHAR      NOT NULL,
  paid_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

-- The card each payment round charged, noted before sending: a resumed round resends the
-- same request under the same idempotency key. One per (invoice, round).
CREATE TABLE IF NOT EXISTS billing_card_charge (
  invoice_id        VARCHAR(128) NOT NULL REFERENCES billing_invoice (id),
  round             INTEGER      NOT NULL CHECK (round >= 1),
  payment_method_id VARCHAR(128) NOT NULL,
  sent_at           TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (invoice_id, round)
);

CREATE TABLE IF NOT EXISTS billing_item (
  id             VARCHAR      PRIMARY KEY,                 -- derived from its source (act:..., ren:...)
  seq            BIGINT       GENERATED ALWAYS AS IDENTITY UNIQUE,
  tenant         VARCHAR(64)  NOT NULL REFERENCES billing_tenant (pubkey),
  relay          VARCHAR(128) NOT NULL,
  plan           VARCHAR(128) NOT NULL,
  amount         BIGINT       NOT NULL CHECK (amount <> 0),
  description    VARCHAR      NOT NULL,
  at             TIMESTAMP WITH TIME ZONE NOT NULL,
  activity_id    VARCHAR(128) REFERENCES billing_activity (id),
  renewal_period INTEGER      CHECK (renewal_period >= 1),
  invoice_id     VARCHAR(128) REFERENCES billing_invoice (id),   -- one column: at most one invoice
  CHECK ((activity_id IS NULL) <> (renewal_period IS NULL)),
  CONSTRAINT billing_item_one_per_activity UNIQUE (activity_id),
  CONSTRAINT billing_item_one_renewal UNIQUE (tenant, relay, renewal_period)
);
CREATE INDEX IF NOT EXISTS billing_item_unclaimed ON billing_item (tenant, invoice_id);
CREATE INDEX IF NOT EXISTS billing_item_by_invoice ON billing_item (invoice_id);

CREATE TABLE IF NOT EXISTS billing_bolt11 (
  id              BIGINT       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id      VARCHAR(128) NOT NULL REFERENCES billing_invoice (id),
  -- equals invoice_id while this request is the live one, NULL once replaced:
  -- the unique constraint admits one live BOLT11 per invoice
  live_invoice_id VARCHAR(128) UNIQUE,
  bolt11          VARCHAR      NOT NULL,
  payment_hash    VARCHAR      NOT NULL,
  msats           BIGINT       NOT NULL CHECK (msats > 0),
  created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at      TIMESTAMP WITH TIME ZONE NOT NULL,
  settled_at      TIMESTAMP WITH TIME ZONE,
  CHECK (live_invoice_id IS NULL OR live_invoice_id = invoice_id)
);
CREATE INDEX IF NOT EXISTS billing_bolt11_by_invoice ON billing_bolt11 (invoice_id);
