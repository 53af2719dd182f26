import type { Pool } from 'pg';
import { OFFSET_TABLE } from './sources';
import { qualified } from './sql';

/** The schema's stored offsets belong to another Kafka cluster than the one connected to. */
export class ClusterMismatchError extends Error {
  constructor(
    readonly schema: string,
    readonly boundTo: string,
    readonly connectedTo: string,
  ) {
    super(
      `schema "${schema}" holds the offsets of Kafka cluster ${boundTo}, but this projector is connected to ` +
        `cluster ${connectedTo}: those offsets mean nothing there (records below them would be skipped). ` +
        'Use another database or PROJECTION_SCHEMA_PREFIX for this cluster, or drop the schema to rebuild it from this one.',
    );
    this.name = 'ClusterMismatchError';
  }
}

/**
 * Binds a projection schema to the Kafka cluster its offsets come from (`projection_source`,
 * migration *_source_cluster.sql): the first use records the cluster id; later uses must come
 * from the same cluster, unless the schema holds no offset yet (then it is rebound). Throws
 * ClusterMismatchError otherwise.
 */
export async function bindToCluster(pool: Pool, schema: string, clusterId: string): Promise<void> {
  const source = qualified(schema, 'projection_source');
  await pool.query(`INSERT INTO ${source} (cluster_id) VALUES ($1) ON CONFLICT (singleton) DO NOTHING`, [
    clusterId,
  ]);
  const { rows } = await pool.query<{ cluster_id: string }>(`SELECT cluster_id FROM ${source}`);
  const bound = rows[0].cluster_id;
  if (bound === clusterId) return;
  const { rows: offsets } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${qualified(schema, OFFSET_TABLE)} WHERE next_offset > 0`,
  );
  if (Number(offsets[0].n) > 0) throw new ClusterMismatchError(schema, bound, clusterId);
  await pool.query(`UPDATE ${source} SET cluster_id = $1, bound_at = now()`, [clusterId]);
}
