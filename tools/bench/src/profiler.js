// Loaded into a service process by `npm run bench -- --cpu-prof <dir>` (NODE_OPTIONS=--require,
// since --cpu-prof itself is not allowed there). SIGWINCH (ignored by default; NestJS's shutdown
// hooks take SIGUSR2) starts the V8 CPU profiler; the next
// SIGWINCH stops it and writes `<dir>/<name>-<pid>.cpuprofile` (open it in Chrome DevTools or
// speedscope), so only the bench's measured window is profiled.
const { Session } = require('node:inspector');
const { writeFileSync, mkdirSync } = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_CPU_PROF_DIR;
const name = process.env.BENCH_CPU_PROF_NAME || 'service';
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  const start = () => {
    running = true;
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')),
    );
  };
  // BENCH_CPU_PROF_FROM_START=1: profile from the start (a restore), stop on the first SIGWINCH
  if (process.env.BENCH_CPU_PROF_FROM_START === '1') start();
  process.on('SIGWINCH', () => {
    if (!running) {
      start();
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
