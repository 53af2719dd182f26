-- Parcels projection: status and audit trail per parcel, receipts, decisions with the rules fired.
-- Applied with search_path set to the projection's schema (live or a replay's fresh schema).

CREATE TABLE projection_offset (
  topic       text    NOT NULL,
  partition   integer NOT NULL,
  next_offset bigint  NOT NULL,
  PRIMARY KEY (topic, partition)
);

-- Records that could not be decoded or used: kept with the reason and the original bytes.
CREATE TABLE projection_error (
  topic     text    NOT NULL,
  partition integer NOT NULL,
  "offset"  bigint  NOT NULL,
  reason    text    NOT NULL,
  key       text,
  value     bytea,
  PRIMARY KEY (topic, partition, "offset")
);

-- One row per parcel (order key). status is the returnStatus of the most advanced event:
-- rank 0 document receipts, 1 match, 2 risk decision, 3 inspection result, 4 cleared (899);
-- within a rank receipts before the list/decision/clearance record, then the last by offset (a
-- parcel's receipts share one partition: offsets are the order the engine acted in) - that is
-- status_order - so the result does not depend on the order topics are consumed in.
CREATE TABLE parcel (
  order_key        text    PRIMARY KEY,
  ebp_code         text    NOT NULL,
  order_no         text    NOT NULL,
  waybill_key      text,
  logistics_code   text,
  logistics_no     text,
  invt_no          text,
  ie_flag          text,
  ebc_code         text,
  trade_mode       text,
  outcome          text,
  rule_set_version text,
  status           text,
  status_name      text,
  status_info      text,
  status_time      bigint,
  status_order     text    COLLATE "C" NOT NULL,
  first_event_time bigint  NOT NULL,
  last_event_time  bigint  NOT NULL,
  event_count      integer NOT NULL
);
CREATE INDEX parcel_waybill_key ON parcel (waybill_key);

-- Audit trail: every receipt, list, decision and clearance of a parcel, one row per record.
CREATE TABLE parcel_event (
  topic       text    NOT NULL,
  partition   integer NOT NULL,
  "offset"    bigint  NOT NULL,
  order_key   text,
  waybill_key text,
  event_time  bigint  NOT NULL,
  rank        integer NOT NULL,
  kind        text    NOT NULL,
  status      text,
  participant text,
  doc_type    text,
  info        text,
  payload     jsonb   NOT NULL,
  PRIMARY KEY (topic, partition, "offset")
);
CREATE INDEX parcel_event_order_key ON parcel_event (order_key, event_time);
CREATE INDEX parcel_event_waybill_key ON parcel_event (waybill_key, event_time);

CREATE TABLE receipt (
  guid              text    PRIMARY KEY,
  case_key          text    NOT NULL,
  order_key         text,
  waybill_key       text,
  participant       text    NOT NULL,
  participant_code  text    NOT NULL,
  doc_type          text    NOT NULL,
  doc_guid          text,
  invt_no           text,
  return_status     text    NOT NULL,
  return_time       text    NOT NULL,
  return_info       text    NOT NULL,
  reasons           jsonb   NOT NULL,
  event_time        bigint  NOT NULL,
  topic             text    NOT NULL,
  partition         integer NOT NULL,
  "offset"          bigint  NOT NULL
);
CREATE INDEX receipt_case_key ON receipt (case_key);
CREATE INDEX receipt_order_key ON receipt (order_key);

CREATE TABLE decision (
  guid              text    PRIMARY KEY,
  waybill_key       text    NOT NULL,
  order_key         text    NOT NULL,
  invt_no           text    NOT NULL,
  ie_flag           text    NOT NULL,
  outcome           text    NOT NULL,
  return_status     text    NOT NULL,
  score             integer NOT NULL,
  rule_set_version  text    NOT NULL,
  decided_at        bigint  NOT NULL,
  last_document_time bigint NOT NULL,
  topic             text    NOT NULL,
  partition         integer NOT NULL,
  "offset"          bigint  NOT NULL
);
CREATE INDEX decision_order_key ON decision (order_key);
CREATE INDEX decision_invt_no ON decision (invt_no);

CREATE TABLE decision_rule (
  decision_guid text    NOT NULL REFERENCES decision (guid),
  seq           integer NOT NULL,
  rule_id       text    NOT NULL,
  kind          text    NOT NULL,
  outcome       text    NOT NULL,
  score         integer NOT NULL,
  reason        text    NOT NULL,
  PRIMARY KEY (decision_guid, seq)
);
