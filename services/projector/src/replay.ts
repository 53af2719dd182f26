import type { KafkaConnection } from '@clearance/contracts';
import { randomBytes } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import type { Pool } from 'pg';
import { silentLogger, type Logger } from '@clearance/streams';
import { decodeMessage, type RecordDecoder } from './decode';
import { kafkaClient, watermarks } from './kafka';
import { projectionByName } from './projections';
import {
  countRows,
  DEFAULT_SCHEMA_PREFIX,
  ensureProjectionSchema,
  projectionSchema,
  swapSchemas,
} from './schema';
import { assertIdentifier } from './sql';
import { topicNames, type ProjectionName, type SourceKey, type TopicNames } from './sources';
import { ProjectionWriter } from './writer';
import { filteredBatch, PartitionQueue } from './filtered';
import { bindToCluster } from './cluster';

export interface ReplayProgress {
  projection: ProjectionName;
  /** Records (offsets) read so far, out of `total` (the source topics' extent when the replay started). */
  done: number;
  total: number;
  partitionsLeft: number;
  elapsedMs: number;
}

export interface ReplayOptions extends KafkaConnection {
  projection: ProjectionName;
  pool: Pool;
  decoder: RecordDecoder;
  /** Prefix of the live schemas (default `projection_`). */
  schemaPrefix?: string;
  topics?: Partial<TopicNames>;
  /** Swap the rebuilt schema in as the live one (default true); false leaves it under its own name. */
  swap?: boolean;
  /** Keep the replaced live schema (renamed `<live>__old_<id>`) instead of dropping it. */
  keepOld?: boolean;
  /** `bar`: cli-progress bar on stderr (default when stderr is a TTY); `log`: a line every 5 s; `none`; or a callback. */
  progress?: 'bar' | 'log' | 'none' | ((p: ReplayProgress) => void);
  /** Where the final count (and `log` progress) go. Default console.log. */
  print?: (line: string) => void;
  /** Give up when the end offsets are not reached within this time. Default 1 hour. */
  timeoutMs?: number;
  clientId?: string;
  logger?: Logger;
}

export interface ReplayResult {
  projection: ProjectionName;
  /** The live schema name. */
  schema: string;
  /** The schema the replay built (now named `schema` when swapped). */
  builtSchema: string;
  swapped: boolean;
  /** The previous live schema's new name (kept) or undefined (none, or dropped). */
  replacedSchema?: string;
  /** Records read (each topic from offset 0 to its end offset when the replay started). */
  records: number;
  /** Records kept in projection_error. */
  failed: number;
  durationMs: number;
  /** Row count per table of the rebuilt projection. */
  rows: Record<string, number>;
  /** Offsets the replay stopped at (`topic|partition` -> next offset): the live projector continues from there. */
  offsets: Record<string, number>;
}

/** A replay of a projection that must not be rebuilt (see `Projection.replayRefusal`); nothing was touched. */
export class ReplayRefusedError extends Error {
  constructor(
    readonly projection: ProjectionName,
    reason: string,
  ) {
    super(`replay of ${projection} refused: ${reason}`);
    this.name = 'ReplayRefusedError';
  }
}

/**
 * Rebuilds one projection from offset 0 of its source topics into a fresh schema, with the same
 * writer as the live projector (rows and offsets in one transaction), up to the end offsets the
 * topics had when it started; then swaps it in as the live schema in one transaction (the old one
 * renamed, then dropped unless `keepOld`). A live projector keeps running: after the swap it finds
 * the stored offsets behind its position and seeks back to them, so nothing is lost or doubled.
 * A projection with a `replayRefusal` (`returns`) is refused with a {@link ReplayRefusedError}.
 */
export async function replayProjection(options: ReplayOptions): Promise<ReplayResult> {
  const started = Date.now();
  const projection = projectionByName(options.projection);
  // before anything is created or read: a rebuild of such a projection is never right
  if (projection.replayRefusal) throw new ReplayRefusedError(projection.name, projection.replayRefusal);
  const prefix = options.schemaPrefix ?? DEFAULT_SCHEMA_PREFIX;
  const live = projectionSchema(prefix, projection.name);
  const id = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const fresh = assertIdentifier(`${live}__replay_${id}`.slice(0, 63), 'replay schema');
  const names = topicNames(options.topics);
  const sourceOf = new Map<string, SourceKey>(projection.sources.map((s) => [names[s], s]));
  const topics = [...sourceOf.keys()];
  const logger = (options.logger ?? silentLogger).child({ component: 'replay', projection: projection.name });
  const print = options.print ?? ((line: string) => console.log(line));
  const { pool } = options;

  await pool.query(`DROP SCHEMA IF EXISTS "${fresh}" CASCADE`);
  await ensureProjectionSchema(pool, projection, fresh);
  const writer = new ProjectionWriter(pool, projection, fresh, { fresh: true, logger });

  const kafka = kafkaClient(options, options.clientId ?? `replay-${projection.name}`, logger);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${options.clientId ?? 'projector'}-replay-${projection.name}-${id}`;
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  const report = progressReporter(options, projection.name, print);
  let records = 0;
  let failed = 0;
  let swapped = false;
  let replaced: string | undefined;
  try {
    // the rebuilt schema's offsets are this cluster's (it replaces the live one on a swap)
    await bindToCluster(pool, fresh, (await admin.describeCluster()).clusterId);
    const marks = await watermarks(admin, topics);
    const positions = new Map<string, number>();
    const left = new Set<string>();
    let total = 0;
    for (const [tp, { low, high }] of marks) {
      positions.set(tp, low);
      total += high - low;
      if (high > low) left.add(tp);
    }
    const done = () =>
      [...marks].reduce((a, [tp, { low, high }]) => a + Math.min(positions.get(tp)!, high) - low, 0);
    report.start(total);

    let finish!: () => void;
    let fail!: (e: Error) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const advance = (topic: string, partition: number, next: number) => {
      const tp = `${topic}|${partition}`;
      if (next > (positions.get(tp) ?? 0)) positions.set(tp, next);
      if (left.has(tp) && next >= marks.get(tp)!.high) left.delete(tp);
      report.update(done(), left.size, started);
      if (left.size === 0) finish();
    };
    if (left.size === 0) finish();
    // batches of transaction markers / aborted records only never reach eachBatch: their offset
    // is stored too (filtered.ts), before the partition's next batch and before it counts as done
    const gaps = new PartitionQueue();
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const { topic, partition } = e.payload;
      const gap = filteredBatch(e.payload);
      if (!gap) return advance(topic, partition, Number(e.payload.lastOffset) + 1);
      gaps
        .push(`${topic}|${partition}`, async () => {
          const r = await writer.write(gap);
          if (r.seekTo !== undefined)
            throw new Error(
              `replay into a fresh schema asked to seek (${topic}|${partition} to ${r.seekTo})`,
            );
          advance(topic, partition, gap.endOffset);
        })
        .catch((err: Error) => fail(err));
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) fail(e.payload.error);
    });

    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning }) => {
        if (!isRunning() || batch.messages.length === 0) return;
        await gaps.idle(`${batch.topic}|${batch.partition}`);
        const source = sourceOf.get(batch.topic)!;
        const fetched = (batch as unknown as { fetchedOffset?: string }).fetchedOffset;
        const r = await writer.write({
          topic: batch.topic,
          partition: batch.partition,
          fetchedOffset: Number(fetched ?? batch.firstOffset() ?? 0),
          endOffset: Number(batch.lastOffset()) + 1,
          records: await Promise.all(
            batch.messages.map((m) =>
              decodeMessage(options.decoder, source, batch.topic, batch.partition, m),
            ),
          ),
        });
        if (r.seekTo !== undefined)
          throw new Error(
            `replay into a fresh schema asked to seek (${batch.topic}|${batch.partition} to ${r.seekTo})`,
          );
        records += batch.messages.length;
        failed += r.failed;
        resolveOffset(batch.lastOffset());
        await heartbeat().catch(() => undefined);
      },
    });

    const timeoutMs = options.timeoutMs ?? 3_600_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `replay of ${projection.name} did not reach the end offsets within ${timeoutMs} ms (${left.size} partitions left)`,
              ),
            ),
          timeoutMs,
        );
        timer.unref();
      }),
    ]).finally(() => clearTimeout(timer));
    await consumer.disconnect();
    report.stop(done());
    await admin
      .deleteGroups([groupId])
      .catch((err) => logger.warn({ err, groupId }, 'could not delete the replay consumer group'));

    const offsets = Object.fromEntries(await writer.storedOffsets());
    if (options.swap ?? true) {
      const s = await swapSchemas(pool, live, fresh, { keepOld: options.keepOld, suffix: id });
      swapped = true;
      replaced = options.keepOld ? s.replaced : undefined;
    }
    const schemaNow = swapped ? live : fresh;
    const rows = await countRows(pool, schemaNow, projection.tables);
    const durationMs = Date.now() - started;
    print(
      `replay ${projection.name}: ${records} records from ${topics.length} topic(s) in ${(durationMs / 1000).toFixed(1)} s` +
        `${failed > 0 ? `, ${failed} kept in projection_error` : ''}; ` +
        `${Object.entries(rows)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}; ` +
        (swapped
          ? `swapped in as ${live}${replaced ? ` (previous kept as ${replaced})` : ''}`
          : `left in ${fresh}`),
    );
    return {
      projection: projection.name,
      schema: live,
      builtSchema: fresh,
      swapped,
      replacedSchema: replaced,
      records,
      failed,
      durationMs,
      rows,
      offsets,
    };
  } catch (e) {
    report.stop();
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    if (!swapped) await pool.query(`DROP SCHEMA IF EXISTS "${fresh}" CASCADE`).catch(() => undefined);
    throw e;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function progressReporter(options: ReplayOptions, projection: ProjectionName, print: (line: string) => void) {
  const mode = options.progress ?? (process.stderr.isTTY ? 'bar' : 'log');
  let bar: SingleBar | undefined;
  let total = 0;
  let lastLog = 0;
  let startedAt = Date.now();
  return {
    start(t: number) {
      total = t;
      startedAt = Date.now();
      if (mode === 'bar') {
        bar = new SingleBar(
          {
            format: `replay ${projection} [{bar}] {percentage}% | {value}/{total} records | {partitions} partitions left | {duration_formatted}`,
            hideCursor: true,
          },
          Presets.shades_classic,
        );
        bar.start(t, 0, { partitions: '?' });
      } else if (mode === 'log') print(`replay ${projection}: ${t} records to read`);
    },
    update(done: number, partitionsLeft: number, started: number) {
      if (bar) bar.update(done, { partitions: partitionsLeft });
      else if (typeof mode === 'function')
        mode({ projection, done, total, partitionsLeft, elapsedMs: Date.now() - started });
      else if (mode === 'log' && Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        print(
          `replay ${projection}: ${done}/${total} records (${Math.round((done / Math.max(1, total)) * 100)}%), ${partitionsLeft} partitions left, ${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
        );
      }
    },
    stop(done?: number) {
      if (bar) {
        if (done !== undefined) bar.update(done, { partitions: 0 });
        bar.stop();
        bar = undefined;
      }
    },
  };
}
