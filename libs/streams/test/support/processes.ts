import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { AssignmentStatus } from '../../src';
import type { RunnerConfig } from './runner';

const ROOT = path.resolve(__dirname, '../../../..');
const RUNNER = path.join(__dirname, 'runner.ts');

interface RunnerMessage {
  type: 'ready' | 'status' | 'stopped' | 'fatal';
  ready?: boolean;
  alive?: boolean;
  assignment?: AssignmentStatus;
  error?: string;
}

/** A runner child process (`node -r @swc-node/register runner.ts`) with its last status and output. */
export class RunnerProcess {
  readonly child: ChildProcess;
  readonly output: string[] = [];
  status?: RunnerMessage;
  readyCount = 0;
  fatal?: string;
  readonly exited: Promise<number | null>;

  constructor(readonly config: RunnerConfig) {
    this.child = fork(RUNNER, [], {
      cwd: ROOT,
      execArgv: ['-r', '@swc-node/register'],
      env: { ...process.env, STREAMS_RUNNER: JSON.stringify(config), KAFKAJS_NO_PARTITIONER_WARNING: '1' },
      silent: true,
    });
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) this.output.push(line);
      if (this.output.length > 400) this.output.splice(0, this.output.length - 400);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.child.on('message', (m: RunnerMessage) => {
      if (m.type === 'ready') this.readyCount++;
      if (m.type === 'fatal') this.fatal = m.error;
      if (m.type === 'status' || m.type === 'ready') this.status = m;
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get tasks(): number[] {
    return this.status?.assignment?.tasks.map((t) => t.task) ?? [];
  }

  get isReady(): boolean {
    return this.status?.ready === true;
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isReady) {
      if (this.fatal) throw new Error(`runner ${this.config.instance} failed: ${this.fatal}`);
      if (this.child.exitCode !== null)
        throw new Error(
          `runner ${this.config.instance} exited ${this.child.exitCode}:\n${this.output.slice(-30).join('\n')}`,
        );
      if (Date.now() > deadline)
        throw new Error(
          `runner ${this.config.instance} not ready after ${timeoutMs} ms:\n${this.output.slice(-30).join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL: no shutdown, open transaction left behind, group membership left to time out. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Graceful stop (SIGTERM → runtime.stop()). */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
