-- V7: room on each page for the updates a renewal day makes in place (PostgreSQL's HOT updates).
-- A claim sets every new item's invoice_id, a renewal moves each relay's snapshot: with full pages
-- each such update moves the row to another page and writes every index again. Leaving a fifth
-- of each page free keeps them on their page. Applies to pages written from now on.
ALTER TABLE billing_item SET (fillfactor = 80);
ALTER TABLE billing_relay SET (fillfactor = 80);
ALTER TABLE billing_tenant SET (fillfactor = 80);
