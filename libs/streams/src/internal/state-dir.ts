import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { Logger } from '../logger';
import type { TaskCheckpoint } from './engine';

/**
 * What a task's local state holds, written in the same LMDB transaction as the stores' writes
 * (Kafka Streams' `.checkpoint`, but atomic with the data it describes).
 */
export interface LocalCheckpoint {
  v: 1;
  /** The persistent stores' layout (names, changelogs, timers): state of another layout is wiped. */
  layout: string;
  /** Wall clock of the write, ms. */
  writtenAt: number;
  /**
   * Per restore topic (the persistent stores' changelogs, the checkpoint topic): the next offset
   * the local state does not include. A restore reads from there.
   */
  offsets: Record<string, number>;
  /** The task's committed progress (input positions, stream time, punctuators) as of `offsets`. */
  progress: TaskCheckpoint | null;
}

/** The LMDB databases of one persistent store. */
export interface StoreDbs {
  /** key → the changelog value's bytes (a timed store's header included). */
  values: Database<Buffer, string>;
  /** Timed stores: `[bucket, key]` → empty, the committed due index. */
  due: Database<Buffer, [number, string]>;
}

const CHECKPOINT_KEY = 'checkpoint';
const LOCK_FILE = '.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The local state directory of one application in one process (`<stateDir>/<applicationId>`):
 * a cache of the changelogs, one LMDB environment per task (`<task>/`). A lock file with the
 * process id keeps two processes out of the same directory (every stream thread of one process
 * shares it; a lock left by a dead process is taken over).
 */
export class StateDirectory {
  readonly root: string;

  constructor(
    stateDir: string,
    applicationId: string,
    private readonly logger: Logger,
  ) {
    this.root = join(stateDir, applicationId);
  }

  /** Creates the directory and takes its lock; throws when another live process holds it. */
  lock(): void {
    mkdirSync(this.root, { recursive: true });
    const file = join(this.root, LOCK_FILE);
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
        throw new Error(
          `state directory ${this.root} is in use by process ${pid}: give each instance its own STATE_DIR ` +
            `(or delete ${file} if that process is not an instance of this application)`,
        );
      if (pid !== process.pid)
        this.logger.info({ dir: this.root, pid }, 'state directory lock of a stopped process taken over');
    }
    writeFileSync(file, `${process.pid}\n`);
  }

  task(id: number, layout: string): TaskDisk {
    return new TaskDisk(join(this.root, String(id)), layout, this.logger);
  }
}

/**
 * One task's LMDB environment: a values database (and a due-index database for timed stores)
 * per persistent store, and a `meta` database with the local checkpoint. Writes are applied only
 * after their Kafka transaction committed (never an aborted one), in one LMDB transaction with the
 * checkpoint that says how far they reach, so after any stop, clean or not, the local state is
 * the committed changelog up to its checkpoint and a restore reads only the tail past it.
 *
 * LMDB runs without fsync (`noSync`): the changelog is the source of truth. A process crash loses
 * nothing LMDB committed (the pages are in the page cache); a machine crash may leave the files
 * damaged, which `open` detects (a file shorter than its last page, an environment LMDB refuses)
 * and answers by wiping the directory and restoring from the changelogs.
 */
export class TaskDisk {
  private env?: RootDatabase;
  private meta?: Database<unknown, string>;
  private readonly handles = new Map<string, StoreDbs>();

  constructor(
    readonly dir: string,
    readonly layout: string,
    private readonly logger: Logger,
  ) {}

  get isOpen(): boolean {
    return this.env !== undefined;
  }

  /**
   * Opens the environment, checking it; damaged or unreadable state is wiped (logged) and an
   * empty environment opened instead. Returns why it was wiped, if it was.
   */
  open(): string | undefined {
    if (this.env) return undefined;
    let problem: string | undefined;
    try {
      problem = this.openEnv(true);
    } catch (error) {
      problem = `cannot open: ${(error as Error).message}`;
    }
    if (problem === undefined) return undefined;
    this.wipe(problem);
    return problem;
  }

  /**
   * Opens the environment; with `check`, returns a reason it cannot be trusted. A data file
   * shorter than its last page is caught before any database page is read (reading past the
   * end of a mapped file is a SIGBUS, not an exception).
   */
  private openEnv(check = false): string | undefined {
    mkdirSync(this.dir, { recursive: true });
    const env = open({ path: this.dir, maxDbs: 64, noSync: true, compression: false, cache: false });
    this.env = env;
    if (check) {
      const stats = env.getStats() as { pageSize: number; lastPageNumber: number };
      const size = statSync(join(this.dir, 'data.mdb')).size;
      const needed = (stats.lastPageNumber + 1) * stats.pageSize;
      if (size < needed) return `data.mdb is truncated (${size} bytes, its pages reach ${needed})`;
    }
    this.meta = env.openDB<unknown, string>('meta', { encoding: 'json' });
    if (!check) return undefined;
    const cp = this.checkpoint();
    if (cp !== undefined && (cp.v !== 1 || cp.layout !== this.layout))
      return `local state of another layout (${cp.layout ?? `version ${String(cp.v)}`}, now ${this.layout})`;
    return undefined;
  }

  /** Deletes the task's local state and opens an empty environment. */
  wipe(reason: string): void {
    this.logger.warn({ dir: this.dir, reason }, 'local task state wiped; it is restored from the changelogs');
    this.closeEnv();
    rmSync(this.dir, { recursive: true, force: true });
    this.openEnv();
  }

  /** The local checkpoint, if the state has one. */
  checkpoint(): LocalCheckpoint | undefined {
    return this.meta!.get(CHECKPOINT_KEY) as LocalCheckpoint | undefined;
  }

  /** A value of the meta database (a store's due cursor). */
  getMeta<T>(key: string): T | undefined {
    return this.meta!.get(key) as T | undefined;
  }

  /** Writes a value of the meta database; inside a write transaction (`commit`, `batch`). */
  putMeta(key: string, value: unknown): void {
    this.meta!.putSync(key, value);
  }

  /** The databases of a persistent store (opened on first use). */
  store(name: string): StoreDbs {
    let dbs = this.handles.get(name);
    if (!dbs) {
      if (!this.env) throw new Error(`task state ${this.dir} is not open`);
      dbs = {
        values: this.env.openDB<Buffer, string>(`v:${name}`, { encoding: 'binary' }),
        due: this.env.openDB<Buffer, [number, string]>(`d:${name}`, { encoding: 'binary' }),
      };
      this.handles.set(name, dbs);
    }
    return dbs;
  }

  /** Runs `fn` in one LMDB write transaction, then writes the checkpoint in it. */
  commit(fn: () => void, checkpoint: Omit<LocalCheckpoint, 'v' | 'layout' | 'writtenAt'>): void {
    const meta = this.meta!;
    this.env!.transactionSync(() => {
      fn();
      meta.putSync(CHECKPOINT_KEY, { v: 1, layout: this.layout, writtenAt: Date.now(), ...checkpoint });
    });
  }

  /** Runs `fn` in one LMDB write transaction (restored records, whose checkpoint comes at the end). */
  batch(fn: () => void): void {
    this.env!.transactionSync(fn);
  }

  close(): void {
    this.closeEnv();
  }

  private closeEnv(): void {
    const env = this.env;
    this.env = undefined;
    this.meta = undefined;
    this.handles.clear();
    if (env) void env.close();
  }
}
