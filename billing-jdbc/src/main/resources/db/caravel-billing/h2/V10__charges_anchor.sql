-- V10: a hand charge on a tenant with no activity yet is invoiced (issue 21, defect 6).
-- From this version on, such a charge sets the tenant's anchor (S1) to its instant, in the
-- adjustment's transaction: the engine asks for it, the repository records it. Before, the charge
-- was never invoiced (no anchor, no period to claim into) and the tenant was due on every poll.
-- This applies the same rule, once, to what was written before: a tenant with no anchor (so with
-- no activity) and unclaimed hand charges gets the instant of its first one as its anchor and is
-- due at once, so the next poll invoices them; any other tenant without an anchor is not due, as
-- an adjustment now leaves it. Depends on V5 (due tracking) and V4 (adjustments). Idempotent.
UPDATE billing_tenant SET
  anchor = (SELECT MIN(i.at) FROM billing_item i
            WHERE i.tenant = billing_tenant.pubkey AND i.invoice_id IS NULL
              AND i.amount > 0 AND i.id LIKE 'adj:%'),
  due_at = CAST('1970-01-01 00:00:00+00' AS TIMESTAMP WITH TIME ZONE),
  due_taken_until = NULL
WHERE anchor IS NULL AND EXISTS (
  SELECT 1 FROM billing_item i
  WHERE i.tenant = billing_tenant.pubkey AND i.invoice_id IS NULL
    AND i.amount > 0 AND i.id LIKE 'adj:%');
UPDATE billing_tenant SET due_at = NULL, due_taken_until = NULL
WHERE anchor IS NULL AND due_at IS NOT NULL;
