import { SingleBar, Presets } from 'cli-progress';

/** A progress bar on a terminal; periodic plain lines otherwise (CI logs, pipes). */
export interface Progress {
  update(done: number, extra?: string): void;
  stop(finalLine?: string): void;
}

export function progress(label: string, total: number, log: (s: string) => void = console.log): Progress {
  if (process.stdout.isTTY && process.env.CI !== 'true') {
    const bar = new SingleBar(
      { format: `${label} [{bar}] {percentage}% {value}/{total} {extra}`, hideCursor: true, etaBuffer: 50 },
      Presets.shades_classic,
    );
    bar.start(total, 0, { extra: '' });
    return {
      update: (done, extra = '') => bar.update(done, { extra }),
      stop: (finalLine) => {
        bar.stop();
        if (finalLine) log(finalLine);
      },
    };
  }
  let lastAt = 0;
  return {
    update: (done, extra = '') => {
      const now = Date.now();
      if (now - lastAt < 2000 && done < total) return;
      lastAt = now;
      log(`${label}: ${done}/${total} ${extra}`.trimEnd());
    },
    stop: (finalLine) => {
      if (finalLine) log(finalLine);
    },
  };
}
