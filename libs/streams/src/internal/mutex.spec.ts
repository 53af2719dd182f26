import { Mutex, Semaphore } from './mutex';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Mutex', () => {
  it('runs holders one at a time, in call order', async () => {
    const m = new Mutex();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name}+`);
      await tick();
      log.push(`${name}-`);
    };
    await Promise.all([m.run(job('a')), m.run(job('b')), m.run(job('c'))]);
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(m.locked).toBe(false);
  });
});

describe('Semaphore', () => {
  it('admits at most `size` holders and serves waiters in order', async () => {
    const s = new Semaphore(2);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    const job = async (i: number) => {
      await s.acquire();
      order.push(i);
      inside++;
      most = Math.max(most, inside);
      await tick();
      inside--;
      s.release();
    };
    await Promise.all([0, 1, 2, 3, 4].map(job));
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    // all slots free again
    await Promise.all([s.acquire(), s.acquire()]);
  });
});
