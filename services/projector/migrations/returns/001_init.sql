-- Returns projection: every receipt, decision and inspection result a participant may fetch (the
-- gateway's GET /ceb/returns), one row per record and participant it concerns (@clearance/domain
-- receiptTargets / decisionTargets / inspectionTargets), numbered per participant.
--
-- seq is gapless per (role, code) and becomes visible in order: it is handed out inside the
-- writer's transaction by upserting the participant's ceb_return_counter row, whose lock is held
-- to commit, so a later transaction for the same participant gets higher numbers only once this
-- one's rows are visible. A participant's cursor (the last seq it has seen) therefore resumes with
-- nothing skipped or repeated. The numbers depend on commit order: this schema is never rebuilt
-- by a replay (the projector refuses), since rebuilt numbers would invalidate the cursors held.

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

-- The Kafka cluster whose offsets projection_offset holds (see src/cluster.ts).
CREATE TABLE projection_source (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  cluster_id text NOT NULL,
  bound_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ceb_return_counter (
  role     text   NOT NULL CHECK (role IN ('PLATFORM', 'PAYER', 'CARRIER')),
  code     text   NOT NULL,
  last_seq bigint NOT NULL CHECK (last_seq > 0),
  PRIMARY KEY (role, code)
);

-- The primary key is the reader's access path (role, code, seq > cursor ORDER BY seq LIMIT n);
-- the unique key keeps one row per source record and participant.
CREATE TABLE ceb_return (
  role       text    NOT NULL CHECK (role IN ('PLATFORM', 'PAYER', 'CARRIER')),
  code       text    NOT NULL,
  seq        bigint  NOT NULL CHECK (seq > 0),
  kind       text    NOT NULL CHECK (kind IN ('receipt', 'decision', 'inspection')),
  topic      text    NOT NULL,
  partition  integer NOT NULL,
  "offset"   bigint  NOT NULL,
  event_time bigint  NOT NULL,
  doc_guid   text,
  payload    jsonb   NOT NULL,
  PRIMARY KEY (role, code, seq),
  UNIQUE (topic, partition, "offset", role, code)
);
