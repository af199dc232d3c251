-- V3: the catalogue's history is stored with the ledger (S15), so every instance prices by the
-- same versions. One row holds the catalogue's one currency (null until the first instance seeds
-- it) and is the lock every catalogue write takes; each plan version is effective from an
-- instant on. A version is only ever added, never changed or removed. Idempotent, like V1 and V2.
CREATE TABLE IF NOT EXISTS billing_catalogue (
  id       INTEGER    PRIMARY KEY CHECK (id = 1),
  currency VARCHAR(3) CHECK (currency IS NULL OR currency = lower(currency))
);
INSERT INTO billing_catalogue (id)
  SELECT x FROM (VALUES (1)) AS one (x) WHERE NOT EXISTS (SELECT 1 FROM billing_catalogue);

CREATE TABLE IF NOT EXISTS billing_plan_version (
  plan          VARCHAR(128) NOT NULL,
  effective_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  name          VARCHAR      NOT NULL,
  amount        BIGINT       NOT NULL CHECK (amount >= 0),
  retired       BOOLEAN      NOT NULL,
  grandfathered BOOLEAN      NOT NULL,
  PRIMARY KEY (plan, effective_at)
);
