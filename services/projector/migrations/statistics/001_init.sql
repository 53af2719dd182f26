-- Statistics projection: facts per list (decided, and cleared), per goods line and per rule
-- fired, aggregated at query time by any dimension with any filter. Values are kept in their
-- currency and converted with the customs rate of the period (exchange_rate, from
-- ref.exchange-rate.v1) when queried, so a rate published late still counts.

CREATE TABLE projection_offset (
  topic       text    NOT NULL,
  partition   integer NOT NULL,
  next_offset bigint  NOT NULL,
  PRIMARY KEY (topic, partition)
);

CREATE TABLE projection_error (
  topic     text    NOT NULL,
  partition integer NOT NULL,
  "offset"  bigint  NOT NULL,
  reason    text    NOT NULL,
  key       text,
  value     bytea,
  PRIMARY KEY (topic, partition, "offset")
);

-- basis DECIDED: one row per list with a risk decision (period = China-time month of the
-- decision); basis CLEARED: one row per list cleared (899, period = month of leaveTime).
CREATE TABLE stat_list (
  basis            text           NOT NULL,
  invt_no          text           NOT NULL,
  period           text           NOT NULL,
  ie_flag          text           NOT NULL,
  country          text           NOT NULL,
  port_code        text           NOT NULL,
  traf_mode        text           NOT NULL,
  trade_mode       text           NOT NULL,
  ebp_code         text           NOT NULL,
  logistics_code   text           NOT NULL,
  ebc_code         text           NOT NULL,
  customs_code     text           NOT NULL,
  outcome          text           NOT NULL,
  return_status    text           NOT NULL,
  rule_set_version text           NOT NULL,
  currency         text           NOT NULL,
  goods_value      numeric(24, 5) NOT NULL,
  gross_weight     numeric(24, 5) NOT NULL,
  event_time       bigint         NOT NULL,
  PRIMARY KEY (basis, invt_no)
);
CREATE INDEX stat_list_period ON stat_list (basis, period);

CREATE TABLE stat_item (
  basis       text           NOT NULL,
  invt_no     text           NOT NULL,
  gnum        integer        NOT NULL,
  gcode       text           NOT NULL,
  chapter     text           NOT NULL,
  heading     text           NOT NULL,
  currency    text           NOT NULL,
  qty         numeric(24, 5) NOT NULL,
  total_price numeric(24, 5) NOT NULL,
  PRIMARY KEY (basis, invt_no, gnum)
);

-- Rules fired on the decision of a list (basis DECIDED).
CREATE TABLE stat_rule (
  invt_no text    NOT NULL,
  seq     integer NOT NULL,
  rule_id text    NOT NULL,
  kind    text    NOT NULL,
  outcome text    NOT NULL,
  PRIMARY KEY (invt_no, seq)
);

CREATE TABLE exchange_rate (
  currency     text           NOT NULL,
  period       text           NOT NULL,
  cny_per_unit numeric(24, 5) NOT NULL,
  PRIMARY KEY (currency, period)
);
