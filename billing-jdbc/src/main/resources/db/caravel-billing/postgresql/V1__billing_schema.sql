-- Caravel Billing ledger, PostgreSQL. Flyway: locations=classpath:db/migration/postgresql.
-- Without Flyway, JdbcRepository.migrate(dataSource) applies this file.
-- The constraints, not the application, carry the ledger's invariants.

CREATE TABLE billing_tenant (
  pubkey               VARCHAR(64)  PRIMARY KEY,
  sealed_nwc_uri       VARCHAR,
  stripe_customer_id   VARCHAR(128),
  anchor               TIMESTAMPTZ,                     -- S1: set by the first activity, never moved
  last_activity_at     TIMESTAMPTZ,
  activity_count       INTEGER      NOT NULL DEFAULT 0,  -- guards renewals computed from a stale log
  renewed_through      INTEGER      NOT NULL DEFAULT 0,  -- last renewed period; 0: none
  renewed_period_start TIMESTAMPTZ,
  CONSTRAINT billing_tenant_renewal_mark CHECK (renewed_through >= 0 AND (renewed_through = 0) = (renewed_period_start IS NULL))
) WITH (fillfactor = 80);  -- marks move on every append and renewal: room for in-page (HOT) updates

CREATE TABLE billing_relay (
  tenant VARCHAR(64)  NOT NULL REFERENCES billing_tenant (pubkey),
  relay  VARCHAR(128) NOT NULL,
  PRIMARY KEY (tenant, relay)
);

CREATE TABLE billing_activity (
  id     VARCHAR(128) PRIMARY KEY,                          -- the host's id: recording is idempotent
  seq    BIGINT       GENERATED ALWAYS AS IDENTITY UNIQUE,   -- append order among equal times
  tenant VARCHAR(64)  NOT NULL,
  type   VARCHAR(16)  NOT NULL
         CHECK (type IN ('create_relay', 'update_relay', 'activate_relay', 'deactivate_relay')),
  relay  VARCHAR(128) NOT NULL,
  plan   VARCHAR(128),
  at     TIMESTAMPTZ  NOT NULL,
  billed BOOLEAN      NOT NULL DEFAULT FALSE,
  FOREIGN KEY (tenant, relay) REFERENCES billing_relay (tenant, relay)
);
CREATE INDEX billing_activity_by_tenant ON billing_activity (tenant, at, seq);

CREATE TABLE billing_invoice (
  id               VARCHAR(128) PRIMARY KEY,
  seq              BIGINT       GENERATED ALWAYS AS IDENTITY UNIQUE,
  tenant           VARCHAR(64)  NOT NULL REFERENCES billing_tenant (pubkey),
  period_start     TIMESTAMPTZ  NOT NULL,
  period_end       TIMESTAMPTZ  NOT NULL,
  total            BIGINT       NOT NULL CHECK (total > 0),
  currency         VARCHAR      NOT NULL,
  created_at       TIMESTAMPTZ  NOT NULL,
  paid             BOOLEAN      NOT NULL DEFAULT FALSE,
  rounds           INTEGER      NOT NULL DEFAULT 0 CHECK (rounds >= 0),
  round_open       BOOLEAN      NOT NULL DEFAULT FALSE,
  first_attempt_at TIMESTAMPTZ,
  next_attempt_at  TIMESTAMPTZ,
  lease_token      VARCHAR,
  lease_until      TIMESTAMPTZ,
  CHECK (period_start < period_end),
  CHECK ((lease_token IS NULL) = (lease_until IS NULL)),
  CHECK (NOT paid OR next_attempt_at IS NULL)              -- a paid invoice is never due again
);
CREATE INDEX billing_invoice_by_tenant ON billing_invoice (tenant, seq);
CREATE INDEX billing_invoice_due ON billing_invoice (next_attempt_at) WHERE NOT paid;

-- One paid transition per invoice: the primary key admits one payment row.
CREATE TABLE billing_payment (
  invoice_id VARCHAR(128) PRIMARY KEY REFERENCES billing_invoice (id),
  method     VARCHAR(16)  NOT NULL CHECK (method IN ('nwc', 'oob', 'stripe', 'manual')),
  reference  VARCHAR      NOT NULL,
  paid_at    TIMESTAMPTZ  NOT NULL
);

-- The card each payment round charged, noted before sending: a resumed round resends the
-- same request under the same idempotency key. One per (invoice, round).
CREATE TABLE billing_card_charge (
  invoice_id        VARCHAR(128) NOT NULL REFERENCES billing_invoice (id),
  round             INTEGER      NOT NULL CHECK (round >= 1),
  payment_method_id VARCHAR(128) NOT NULL,
  sent_at           TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (invoice_id, round)
);

CREATE TABLE billing_item (
  id             VARCHAR      PRIMARY KEY,                 -- derived from its source (act:..., ren:...)
  seq            BIGINT       GENERATED ALWAYS AS IDENTITY UNIQUE,
  tenant         VARCHAR(64)  NOT NULL REFERENCES billing_tenant (pubkey),
  relay          VARCHAR(128) NOT NULL,
  plan           VARCHAR(128) NOT NULL,
  amount         BIGINT       NOT NULL CHECK (amount <> 0),
  description    VARCHAR      NOT NULL,
  at             TIMESTAMPTZ  NOT NULL,
  activity_id    VARCHAR(128) REFERENCES billing_activity (id),
  renewal_period INTEGER      CHECK (renewal_period >= 1),
  invoice_id     VARCHAR(128) REFERENCES billing_invoice (id),   -- one column: at most one invoice
  CHECK ((activity_id IS NULL) <> (renewal_period IS NULL)),
  CONSTRAINT billing_item_one_per_activity UNIQUE (activity_id),
  CONSTRAINT billing_item_one_renewal UNIQUE (tenant, relay, renewal_period)  -- also serves lookups by tenant
) WITH (fillfactor = 75);
-- An item is written once unclaimed and updated once when claimed. No index covers invoice_id,
-- and pages keep free space, so that update stays on its page (HOT) and touches no index.
-- Items of an invoice are found through its tenant.

CREATE TABLE billing_bolt11 (
  id              BIGINT       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id      VARCHAR(128) NOT NULL REFERENCES billing_invoice (id),
  -- equals invoice_id while this request is the live one, NULL once replaced:
  -- the unique constraint admits one live BOLT11 per invoice
  live_invoice_id VARCHAR(128) UNIQUE,
  bolt11          VARCHAR      NOT NULL,
  payment_hash    VARCHAR      NOT NULL,
  msats           BIGINT       NOT NULL CHECK (msats > 0),
  created_at      TIMESTAMPTZ  NOT NULL,
  expires_at      TIMESTAMPTZ  NOT NULL,
  settled_at      TIMESTAMPTZ,
  CHECK (live_invoice_id IS NULL OR live_invoice_id = invoice_id)
);
CREATE INDEX billing_bolt11_by_invoice ON billing_bolt11 (invoice_id);
