-- V14: tax (S24, issue 23). A tenant may carry a rate in basis points, a label and a mode; the
-- engine computes each invoice's tax line from it when it claims the invoice, and the invoice keeps
-- the setting it was taxed with next to the amount, so a later change of the tenant's setting never
-- rewrites an issued invoice. NULL everywhere: no tax (every existing tenant and invoice). The
-- checks are the last line of defence; the rules are the engine's. Idempotent, like V1-V4.
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS tax_bps INTEGER;
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS tax_label VARCHAR(128);
ALTER TABLE billing_tenant ADD COLUMN IF NOT EXISTS tax_mode VARCHAR(16);
ALTER TABLE billing_tenant ADD CONSTRAINT IF NOT EXISTS billing_tenant_tax CHECK (
  (tax_bps IS NULL) = (tax_label IS NULL) AND (tax_bps IS NULL) = (tax_mode IS NULL)
  AND (tax_bps IS NULL OR tax_bps BETWEEN 0 AND 10000)
  AND (tax_mode IS NULL OR tax_mode IN ('exclusive', 'inclusive')));
ALTER TABLE billing_invoice ADD COLUMN IF NOT EXISTS tax_amount BIGINT;
ALTER TABLE billing_invoice ADD COLUMN IF NOT EXISTS tax_bps INTEGER;
ALTER TABLE billing_invoice ADD COLUMN IF NOT EXISTS tax_label VARCHAR(128);
ALTER TABLE billing_invoice ADD COLUMN IF NOT EXISTS tax_mode VARCHAR(16);
ALTER TABLE billing_invoice ADD CONSTRAINT IF NOT EXISTS billing_invoice_tax CHECK (
  (tax_amount IS NULL) = (tax_bps IS NULL) AND (tax_amount IS NULL) = (tax_label IS NULL)
  AND (tax_amount IS NULL) = (tax_mode IS NULL)
  AND (tax_amount IS NULL OR (tax_amount >= 0 AND tax_bps BETWEEN 0 AND 10000))
  AND (tax_mode IS NULL OR tax_mode IN ('exclusive', 'inclusive'))
  AND (tax_mode IS DISTINCT FROM 'exclusive' OR tax_amount < total));
