import type { Pool, PoolClient } from 'pg';
import { silentLogger, type Logger } from '@clearance/streams';
import { schemaLockKey } from './schema';
import { insertRecordset, isRetryablePgError, qualified } from './sql';
import { ERROR_TABLE, OFFSET_TABLE, type FailedRecord, type Projection, type SourceRecord } from './sources';

/** One fetched batch of a topic-partition, decoded. */
export interface ProjectionBatch {
  topic: string;
  partition: number;
  /** The consumer position the batch was fetched from. */
  fetchedOffset: number;
  /** Offset after the last record of the batch (control records included). */
  endOffset: number;
  /** Records in offset order: decoded, or failed to decode. */
  records: ReadonlyArray<SourceRecord | FailedRecord>;
}

export interface WriteResult {
  /** Records written in this transaction (below the stored offset: skipped). */
  applied: number;
  skipped: number;
  failed: number;
  /** Stored offset after the write. */
  nextOffset: number;
  /** Set when the stored offset is behind the consumer (a swapped-in schema): seek there, nothing was written. */
  seekTo?: number;
}

export const isFailed = (r: SourceRecord | FailedRecord): r is FailedRecord =>
  'reason' in r && !('source' in r);

const ERROR_COLUMNS = [
  ['topic', 'text'],
  ['partition', 'integer'],
  ['offset', 'bigint'],
  ['reason', 'text'],
  ['key', 'text'],
  ['value', 'bytea'],
] as const;

/**
 * Writes batches of one projection into one schema, exactly once: the rows and the next offset
 * of the topic-partition go in the same transaction, and records below the stored offset are
 * skipped, whatever position the consumer (or its group's committed offsets) had.
 *
 * The stored offset is read under a row lock in every transaction. When it differs from what this
 * writer last saw (first batch after start or a rebalance, another instance wrote, or a replay
 * schema was swapped in) and is *behind* the fetched position, the batch is not written and the
 * caller seeks back to it; otherwise a gap between the stored offset and the fetched position is
 * records the consumer filtered out (transaction markers, aborted records) and is fine.
 */
export class ProjectionWriter {
  private readonly known = new Map<string, number>();
  private readonly lockKey: string;

  constructor(
    private readonly pool: Pool,
    readonly projection: Projection,
    /** Schema written to. */
    readonly schema: string,
    options: {
      /** Live schema name whose swap lock writers take (default `schema`). */
      lockSchema?: string;
      /** A fresh schema: every stored offset is known to be 0 (no seeks during a replay). */
      fresh?: boolean;
      logger?: Logger;
      maxRetries?: number;
    } = {},
  ) {
    this.lockKey = schemaLockKey(options.lockSchema ?? schema);
    this.fresh = options.fresh ?? false;
    this.logger = options.logger ?? silentLogger;
    this.maxRetries = options.maxRetries ?? 5;
  }

  private readonly fresh: boolean;
  private readonly logger: Logger;
  private readonly maxRetries: number;

  /** Forget what was seen (after a rebalance): the next batch of each partition re-checks. */
  forget(): void {
    this.known.clear();
  }

  private table(name: string): string {
    return qualified(this.schema, name);
  }

  async write(batch: ProjectionBatch): Promise<WriteResult> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        return await this.writeOnce(client, batch);
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (isRetryablePgError(e) && attempt < this.maxRetries) {
          this.logger.warn(
            { err: e, attempt, projection: this.projection.name },
            'projection transaction conflict; retrying',
          );
          continue;
        }
        throw e;
      } finally {
        client.release();
      }
    }
  }

  private async writeOnce(client: PoolClient, batch: ProjectionBatch): Promise<WriteResult> {
    const tp = `${batch.topic}|${batch.partition}`;
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock_shared(hashtext($1))`, [this.lockKey]);
    await client.query(
      `INSERT INTO ${this.table(OFFSET_TABLE)} (topic, partition, next_offset) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING`,
      [batch.topic, batch.partition],
    );
    const { rows } = await client.query<{ next_offset: string }>(
      `SELECT next_offset FROM ${this.table(OFFSET_TABLE)} WHERE topic = $1 AND partition = $2 FOR UPDATE`,
      [batch.topic, batch.partition],
    );
    const stored = Number(rows[0].next_offset);
    const known = this.known.get(tp) ?? (this.fresh ? 0 : undefined);
    if (known !== stored && stored < batch.fetchedOffset) {
      await client.query('ROLLBACK');
      this.known.set(tp, stored);
      this.logger.info(
        {
          projection: this.projection.name,
          schema: this.schema,
          topic: batch.topic,
          partition: batch.partition,
          stored,
          fetched: batch.fetchedOffset,
        },
        'stored offset behind the consumer: seeking back',
      );
      return { applied: 0, skipped: 0, failed: 0, nextOffset: stored, seekTo: stored };
    }

    const todo = batch.records.filter((r) => r.offset >= stored);
    const skipped = batch.records.length - todo.length;
    const decoded: SourceRecord[] = [];
    const failed: FailedRecord[] = [];
    for (const r of todo) {
      if (isFailed(r)) failed.push(r);
      else decoded.push(r);
    }
    if (decoded.length > 0)
      await this.projection.apply(
        {
          client,
          table: (name) => this.table(name),
          fail: (rec, reason) =>
            failed.push({
              topic: rec.topic,
              partition: rec.partition,
              offset: rec.offset,
              reason,
              key: rec.key,
              value: rec.value === null ? null : Buffer.from(JSON.stringify(rec.value)),
            }),
        },
        decoded,
      );
    if (failed.length > 0)
      await insertRecordset(
        client,
        this.table(ERROR_TABLE),
        ERROR_COLUMNS,
        failed.map((f) => ({ ...f, value: f.value === null ? null : `\\x${f.value.toString('hex')}` })),
        'ON CONFLICT DO NOTHING',
      );
    const next = Math.max(stored, batch.endOffset);
    if (next !== stored)
      await client.query(
        `UPDATE ${this.table(OFFSET_TABLE)} SET next_offset = $3 WHERE topic = $1 AND partition = $2`,
        [batch.topic, batch.partition, next],
      );
    await client.query('COMMIT');
    this.known.set(tp, next);
    return { applied: decoded.length, skipped, failed: failed.length, nextOffset: next };
  }

  /** Stored offsets of this writer's schema: `topic|partition` -> next offset. */
  async storedOffsets(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ topic: string; partition: number; next_offset: string }>(
      `SELECT topic, partition, next_offset FROM ${this.table(OFFSET_TABLE)}`,
    );
    return new Map(rows.map((r) => [`${r.topic}|${r.partition}`, Number(r.next_offset)]));
  }
}
