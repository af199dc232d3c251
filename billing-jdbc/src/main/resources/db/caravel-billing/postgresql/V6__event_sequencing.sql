-- V6: events are written without a shared lock and numbered when read (S16).
-- A change's transaction inserts its events here, under a sequence value that orders them but
-- promises nothing about commit order. Whoever reads the feed first moves the committed ones into
-- billing_event, numbering them from the event_id counter under its row lock, so feed ids still
-- grow with the order in which events become visible and never leave a gap behind a reader.
-- Depends on V4 only.
CREATE TABLE billing_event_pending (
  seq        BIGINT       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type       VARCHAR(32)  NOT NULL,
  tenant     VARCHAR(64)  NOT NULL,
  invoice_id VARCHAR(128),
  amount     BIGINT       NOT NULL,
  reference  VARCHAR,
  detail     VARCHAR      NOT NULL,
  at         TIMESTAMPTZ  NOT NULL
);
