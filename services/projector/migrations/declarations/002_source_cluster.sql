-- The Kafka cluster whose offsets projection_offset holds. A schema's stored offsets mean nothing
-- on another cluster (records below them would be skipped): the projector binds the schema to the
-- cluster on first use and refuses to write into it from another one (see src/cluster.ts).
CREATE TABLE projection_source (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  cluster_id text NOT NULL,
  bound_at timestamptz NOT NULL DEFAULT now()
);
