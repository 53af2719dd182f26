-- Declarations projection: summary declarations (汇总申报) with their lines and lists.

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

CREATE TABLE declaration (
  declaration_no   text           PRIMARY KEY,
  declaration_key  text           NOT NULL,
  period           text           NOT NULL,
  sequence         integer        NOT NULL,
  kind             text           NOT NULL,
  ebc_code         text           NOT NULL,
  ebc_name         text           NOT NULL,
  owner_code       text,
  summary_flag     text           NOT NULL,
  statistics_flag  text           NOT NULL,
  trade_mode       text           NOT NULL,
  traf_mode        text           NOT NULL,
  country          text           NOT NULL,
  port_code        text           NOT NULL,
  customs_code     text           NOT NULL,
  start_time       text           NOT NULL,
  end_time         text           NOT NULL,
  list_count       integer        NOT NULL,
  gross_weight     numeric(24, 5) NOT NULL,
  net_weight       numeric(24, 5) NOT NULL,
  total_fob_cny    numeric(24, 5) NOT NULL,
  total_rebate_cny numeric(24, 5) NOT NULL,
  closed_at        bigint         NOT NULL,
  invt_nos         text[]         NOT NULL,
  topic            text           NOT NULL,
  partition        integer        NOT NULL,
  "offset"         bigint         NOT NULL
);
CREATE INDEX declaration_period ON declaration (period, ebc_code);
CREATE INDEX declaration_ebc ON declaration (ebc_code, period);

CREATE TABLE declaration_line (
  declaration_no text           NOT NULL REFERENCES declaration (declaration_no),
  line_no        integer        NOT NULL,
  gcode          text           NOT NULL,
  gname          text           NOT NULL,
  unit           text           NOT NULL,
  currency       text           NOT NULL,
  qty            numeric(24, 5) NOT NULL,
  unit1          text           NOT NULL,
  qty1           numeric(24, 5) NOT NULL,
  total_price    numeric(24, 5) NOT NULL,
  gross_weight   numeric(24, 5) NOT NULL,
  net_weight     numeric(24, 5) NOT NULL,
  list_count     integer        NOT NULL,
  fob_cny        numeric(24, 5) NOT NULL,
  rebate_rate    numeric(24, 5),
  rebate_amount  numeric(24, 5) NOT NULL,
  PRIMARY KEY (declaration_no, line_no)
);
