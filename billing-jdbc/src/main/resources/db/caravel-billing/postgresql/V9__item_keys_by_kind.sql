-- V9: a hand adjustment and a refund's credit never collide (issue 21). Both kinds of item carry a
-- key in adjustment_key: an adjustment the host's key K (its item id adj:K), a refund's credit
-- refund:R for refund key R (its item id refund:R). V4's UNIQUE (adjustment_key) therefore made an
-- adjustment keyed refund:R and the credit of refund R collide, on this storage alone. The item's
-- primary key already holds one item per key and kind, because the id is derived from both, and
-- so does every storage: the constraint goes. Dropping it keeps every row valid and refuses no key
-- a host has used.
ALTER TABLE billing_item DROP CONSTRAINT IF EXISTS billing_item_one_adjustment;
