-- Import tax bills (clearance.tax-bill.v1, key: the waybill key), one row per bill, written in the
-- same transaction as the parcel, its audit trail (kind TAX_BILL) and the stored offset.
--
-- Keyed by guid, first wins (ON CONFLICT DO NOTHING), like receipts and decisions. The guid derives
-- from the list (its guid and invtNo), so a bill published again for the same list (a matcher
-- that re-processed its input) is the same bill; and every bill of one list carries its waybill
-- key, the topic's key, so they share one partition and "the first" is the first by offset: every
-- rebuild keeps the same row. Not keyed by invt_no: several matcher deployments on one broker
-- (test and benchmark runs) repeat list numbers.
--
-- The new source is read from offset 0 (no stored offset for it yet), so an existing schema gets
-- every bill still in the topic, the same rows a replay builds.
CREATE TABLE tax_bill (
  guid                  text    PRIMARY KEY,
  invt_no               text    NOT NULL,
  order_key             text    NOT NULL,
  waybill_key           text    NOT NULL,
  status                text    NOT NULL,
  customs_value_total   numeric(24, 5) NOT NULL,
  duty_total            numeric(24, 5) NOT NULL,
  consumption_tax_total numeric(24, 5) NOT NULL,
  vat_total             numeric(24, 5) NOT NULL,
  tax_total             numeric(24, 5) NOT NULL,
  declared_tax_total    numeric(24, 5),
  computed_at           bigint  NOT NULL,
  topic                 text    NOT NULL,
  partition             integer NOT NULL,
  "offset"              bigint  NOT NULL,
  -- the bill as published (Avro field names, items included)
  payload               jsonb   NOT NULL
);
CREATE INDEX tax_bill_order_key ON tax_bill (order_key);
CREATE INDEX tax_bill_waybill_key ON tax_bill (waybill_key);
