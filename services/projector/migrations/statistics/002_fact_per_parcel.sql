-- A list number (invtNo) is unique within one matcher deployment. Several deployments writing
-- the same topics (test and benchmark runs on one broker, each under its own application id)
-- repeat list numbers, and "the first fact per list number" then depended on the order the
-- partitions were read in: two rebuilds from the same log could differ. Facts are now keyed by
-- list number and waybill key. The waybill key is the key of the decision and cleared topics, so
-- every fact of one key comes from one partition and the first one is the first by offset, the
-- same in every rebuild. The facts are rebuilt from the log: tables and positions are emptied.
TRUNCATE stat_list, stat_item, stat_rule, exchange_rate, projection_error;
DELETE FROM projection_offset;

ALTER TABLE stat_list ADD COLUMN waybill_key text NOT NULL;
ALTER TABLE stat_list DROP CONSTRAINT stat_list_pkey;
ALTER TABLE stat_list ADD PRIMARY KEY (basis, invt_no, waybill_key);

ALTER TABLE stat_item ADD COLUMN waybill_key text NOT NULL;
ALTER TABLE stat_item DROP CONSTRAINT stat_item_pkey;
ALTER TABLE stat_item ADD PRIMARY KEY (basis, invt_no, waybill_key, gnum);

ALTER TABLE stat_rule ADD COLUMN waybill_key text NOT NULL;
ALTER TABLE stat_rule DROP CONSTRAINT stat_rule_pkey;
ALTER TABLE stat_rule ADD PRIMARY KEY (invt_no, waybill_key, seq);
