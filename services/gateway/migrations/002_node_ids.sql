-- What identifies a node in its returns (payTransactionId, orderNo, logisticsNo, copNo, ...): the
-- engine's receipts do not carry every field a CEB return names (an import payment return names the
-- payTransactionId), so GET /ceb/returns fills them in from here by the document's guid.
ALTER TABLE ceb_node ADD COLUMN ids jsonb;
