import type { Producer } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '@clearance/streams';

/** One accepted business node, encoded, on its way to the participant's input topic. */
export interface NodeToPublish {
  role: string;
  code: string;
  guid: string;
  /** SHA-256 (hex) of the Avro body: the same guid with another digest is another document. */
  digest: string;
  messageType: string;
  messageGuid: string | null;
  ieFlag: string;
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  /** The fields that identify it in a return (its return element without status, time and info). */
  ids: Record<string, string>;
}

/** What became of a node: published now, already published before (a resend), or its guid taken by another document. */
export type NodeOutcome = 'published' | 'duplicate' | 'guid-reused';

interface Pending {
  node: NodeToPublish;
  resolve(o: NodeOutcome): void;
  reject(e: unknown): void;
}

/**
 * Publishes accepted nodes exactly once per (sender, guid), in groups: nodes of concurrent
 * requests that arrive within `lingerMs` (or while the previous group is being written) share one
 * database transaction and one Kafka produce request.
 *
 * For a group: BEGIN; insert the nodes' rows into the receipt book (a row per sender and guid,
 * ON CONFLICT DO NOTHING: a concurrent request with the same guid waits for this transaction);
 * send the new nodes to Kafka (acks=all, idempotent producer) and wait for the acknowledgement;
 * COMMIT. A row therefore exists only for a node Kafka has; a failure rolls the rows back and the
 * requests get 503 (nothing was acknowledged to the caller, so a resend publishes it). A crash
 * between Kafka's acknowledgement and the commit leaves the record without its row: the resend
 * publishes it a second time, and the engine, idempotent by document guid, ignores the copy.
 */
export class NodeIngest {
  private queue: Pending[] = [];
  private timer?: NodeJS.Timeout;
  private flushing = false;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly producer: Producer,
    private readonly opts: { lingerMs: number; maxBatchNodes: number },
    private readonly logger: Logger,
  ) {}

  /** Publishes the nodes (in this order within their partitions); resolves with each one's outcome. */
  submit(nodes: NodeToPublish[]): Promise<NodeOutcome[]> {
    if (this.closed) return Promise.reject(new Error('gateway is shutting down'));
    const promises = nodes.map(
      (node) => new Promise<NodeOutcome>((resolve, reject) => this.queue.push({ node, resolve, reject })),
    );
    this.schedule();
    return Promise.all(promises);
  }

  private schedule(): void {
    if (this.flushing || this.timer) return;
    if (this.queue.length >= this.opts.maxBatchNodes || this.opts.lingerMs === 0) {
      void this.flush();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.opts.lingerMs);
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const group = this.queue.splice(0, this.opts.maxBatchNodes);
    try {
      await this.write(group);
    } catch (error) {
      this.logger.error(
        { err: error, nodes: group.length },
        'publishing accepted nodes failed; the requests get 503',
      );
      for (const p of group) p.reject(error);
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) {
        // what arrived meanwhile goes at once: it has waited for this group already
        setImmediate(() => void this.flush());
      }
    }
  }

  private async write(group: Pending[]): Promise<void> {
    // the first of several with the same sender and guid in one group stands for them
    const first = new Map<string, Pending>();
    const followers: Array<{ p: Pending; leader: Pending }> = [];
    for (const p of group) {
      const id = `${p.node.role}\u0000${p.node.code}\u0000${p.node.guid}`;
      const leader = first.get(id);
      if (leader) followers.push({ p, leader });
      else first.set(id, p);
    }
    const leaders = [...first.values()];
    const outcomes = new Map<Pending, NodeOutcome>();
    const client = await this.pool.connect();
    let open = false;
    try {
      await client.query('BEGIN');
      open = true;
      const inserted = await this.insert(client, leaders);
      const fresh = leaders.filter((p) => inserted.has(idOf(p.node)));
      const seen = leaders.filter((p) => !inserted.has(idOf(p.node)));
      if (seen.length > 0) {
        const digests = await this.digests(client, seen);
        for (const p of seen)
          outcomes.set(p, digests.get(idOf(p.node)) === p.node.digest ? 'duplicate' : 'guid-reused');
      }
      if (fresh.length > 0) await this.publish(fresh);
      await client.query('COMMIT');
      open = false;
      for (const p of fresh) outcomes.set(p, 'published');
    } catch (error) {
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    for (const [p, o] of outcomes) p.resolve(o);
    for (const { p, leader } of followers) {
      const o = outcomes.get(leader)!;
      p.resolve(
        o === 'guid-reused'
          ? 'guid-reused'
          : p.node.digest === leader.node.digest
            ? 'duplicate'
            : 'guid-reused',
      );
    }
  }

  private async insert(client: PoolClient, ps: Pending[]): Promise<Set<string>> {
    const col = <K extends keyof NodeToPublish>(k: K) => ps.map((p) => p.node[k]);
    const { rows } = await client.query<{ role: string; code: string; guid: string }>(
      `INSERT INTO "${this.schema}".ceb_node (role, code, guid, digest, message_type, message_guid, ie_flag, topic, ids)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[])
       ON CONFLICT (role, code, guid) DO NOTHING
       RETURNING role, code, guid`,
      [
        col('role'),
        col('code'),
        col('guid'),
        col('digest'),
        col('messageType'),
        col('messageGuid'),
        col('ieFlag'),
        col('topic'),
        ps.map((p) => JSON.stringify(p.node.ids)),
      ],
    );
    return new Set(rows.map((r) => `${r.role}\u0000${r.code}\u0000${r.guid}`));
  }

  private async digests(client: PoolClient, ps: Pending[]): Promise<Map<string, string>> {
    const { rows } = await client.query<{ role: string; code: string; guid: string; digest: string }>(
      `SELECT n.role, n.code, n.guid, n.digest FROM "${this.schema}".ceb_node n
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(role, code, guid)
         ON n.role = k.role AND n.code = k.code AND n.guid = k.guid`,
      [ps.map((p) => p.node.role), ps.map((p) => p.node.code), ps.map((p) => p.node.guid)],
    );
    return new Map(rows.map((r) => [`${r.role}\u0000${r.code}\u0000${r.guid}`, r.digest]));
  }

  private async publish(ps: Pending[]): Promise<void> {
    const byTopic = new Map<string, Array<{ key: string; value: Buffer; headers: Record<string, string> }>>();
    for (const p of ps) {
      let list = byTopic.get(p.node.topic);
      if (!list) byTopic.set(p.node.topic, (list = []));
      list.push({ key: p.node.key, value: p.node.value, headers: p.node.headers });
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  /** Stops taking nodes; waits for the group being written and writes what is queued. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.flushing || this.queue.length > 0) {
      if (!this.flushing) await this.flush();
      else await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const idOf = (n: NodeToPublish) => `${n.role}\u0000${n.code}\u0000${n.guid}`;
