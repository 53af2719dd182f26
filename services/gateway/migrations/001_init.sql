-- The gateway's receipt book: every business node it accepted, by sender and node guid.
-- Applied with search_path set to the gateway's schema (GATEWAY_SCHEMA, default "gateway").
--
-- A node's row is written in the same database transaction that waits for Kafka's acknowledgement
-- of its record, so a row exists only for a node that is on the participant's input topic: a resent
-- node (same sender, same guid) is answered from here and not published again; the same guid with
-- other content is refused (GUID_REUSED).
CREATE TABLE ceb_node (
  role          text        NOT NULL,
  code          text        NOT NULL,
  guid          text        NOT NULL,
  -- SHA-256 (hex) of the node's Avro body: what "the same document" means
  digest        text        NOT NULL,
  message_type  text        NOT NULL,
  ie_flag       text        NOT NULL,
  topic         text        NOT NULL,
  message_guid  text,
  received_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (role, code, guid)
);
-- returns look up the message type (export / import return) of a receipt's document by its guid
CREATE INDEX ceb_node_guid ON ceb_node (guid);
