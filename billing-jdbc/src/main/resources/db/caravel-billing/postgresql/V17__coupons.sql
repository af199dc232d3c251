-- V17: coupons (S21, issue 23). A coupon takes a percentage or an amount off for once, N periods or
-- forever, optionally on some plans only; a tenant's latest redemption (by seq) is its coupon, and
-- uses counts the invoices it discounted (what a coupon for once is used up by). The engine decides
-- each invoice's discount and the storage records it with the claim: the discount's item, one more
-- use, and an invoice a discount leaves at 0 created paid, so invoices may now total 0. The checks
-- are the last line of defence; the rules are the engine's.
CREATE TABLE billing_coupon (
  code        VARCHAR(128) PRIMARY KEY,
  percent_off INTEGER      NOT NULL,
  amount_off  BIGINT       NOT NULL,
  duration    VARCHAR(16)  NOT NULL,
  periods     INTEGER      NOT NULL,
  CONSTRAINT billing_coupon_off CHECK ((percent_off = 0) <> (amount_off = 0)
    AND percent_off BETWEEN 0 AND 100 AND amount_off >= 0),
  CONSTRAINT billing_coupon_duration CHECK (duration IN ('ONCE', 'PERIODS', 'FOREVER')
    AND periods >= 0 AND (duration = 'PERIODS') = (periods >= 1))
);
-- The plans a coupon is limited to; none: every plan.
CREATE TABLE billing_coupon_plan (
  code VARCHAR(128) NOT NULL REFERENCES billing_coupon (code),
  plan VARCHAR(128) NOT NULL,
  PRIMARY KEY (code, plan)
);
CREATE TABLE billing_coupon_redemption (
  redemption_key VARCHAR(128) PRIMARY KEY,                  -- the host's key: redeeming is idempotent
  seq            BIGINT       GENERATED ALWAYS AS IDENTITY UNIQUE,
  tenant         VARCHAR(64)  NOT NULL,                     -- the tenant may not exist yet
  code           VARCHAR(128) NOT NULL REFERENCES billing_coupon (code),
  redeemed_at    TIMESTAMPTZ  NOT NULL,
  uses           INTEGER      NOT NULL DEFAULT 0 CHECK (uses >= 0)
);
-- A page's latest redemption per tenant, read with its ledgers.
CREATE INDEX billing_coupon_redemption_latest ON billing_coupon_redemption (tenant, seq);
-- An invoice a discount leaves at 0 to pay: V1's unnamed check (PostgreSQL named it
-- billing_invoice_total_check) refused it, and V14's tax check asked for a positive net (an
-- exclusive tax now leaves a net of 0 only when both are 0).
ALTER TABLE billing_invoice DROP CONSTRAINT billing_invoice_total_check;
ALTER TABLE billing_invoice ADD CONSTRAINT billing_invoice_total CHECK (total >= 0);
ALTER TABLE billing_invoice DROP CONSTRAINT billing_invoice_tax;
ALTER TABLE billing_invoice ADD CONSTRAINT billing_invoice_tax CHECK (
  (tax_amount IS NULL) = (tax_bps IS NULL) AND (tax_amount IS NULL) = (tax_label IS NULL)
  AND (tax_amount IS NULL) = (tax_mode IS NULL)
  AND (tax_amount IS NULL OR (tax_amount >= 0 AND tax_bps BETWEEN 0 AND 10000))
  AND (tax_mode IS NULL OR tax_mode IN ('exclusive', 'inclusive'))
  AND (tax_mode IS DISTINCT FROM 'exclusive' OR tax_amount < total OR (tax_amount = 0 AND total = 0)));
