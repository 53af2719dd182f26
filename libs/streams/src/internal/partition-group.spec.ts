import { choose, type IdleState, type QueueHead } from './partition-group';

interface Q extends QueueHead {
  name: string;
}
const queued = (name: string, head: number): Q => ({ name, head, unfetched: false });
const drained = (name: string): Q => ({ name, head: undefined, unfetched: false });
const behind = (name: string): Q => ({ name, head: undefined, unfetched: true });
const fresh = (): IdleState => ({ waitingSince: 0, enforcing: false });

describe('choose: the next queue of a task, merged by timestamp', () => {
  it('takes the queue whose next record is oldest; equal timestamps in the order given', () => {
    const idle = fresh();
    expect(choose([queued('order', 30), queued('payment', 10), queued('waybill', 20)], idle, 0, 500)).toEqual(
      {
        kind: 'next',
        queue: expect.objectContaining({ name: 'payment' }),
      },
    );
    expect(choose([queued('order', 10), queued('payment', 10)], idle, 0, 500)).toMatchObject({
      queue: { name: 'order' },
    });
  });

  it('goes on without an empty input whose partition holds nothing more', () => {
    expect(choose([drained('order'), queued('payment', 10)], fresh(), 0, 500)).toMatchObject({
      kind: 'next',
      queue: { name: 'payment' },
    });
  });

  it('is empty when no queue holds a record, even if an input is behind', () => {
    expect(choose([drained('order'), behind('payment')], fresh(), 0, 500)).toEqual({ kind: 'empty' });
  });

  it('waits for an input with records on the broker not fetched yet, once started', () => {
    const idle = fresh();
    expect(choose([behind('order'), queued('payment', 10)], idle, 1_000, 500)).toMatchObject({
      kind: 'wait',
      input: { name: 'order' },
      started: true,
    });
    expect(idle.waitingSince).toBe(1_000);
    expect(choose([behind('order'), queued('payment', 10)], idle, 1_200, 500)).toMatchObject({
      kind: 'wait',
      started: false,
    });
  });

  it('goes on without the input after maxIdleMs, reporting it once, until the input catches up', () => {
    const idle = fresh();
    const queues = [behind('order'), queued('payment', 10)];
    choose(queues, idle, 1_000, 500);
    expect(choose(queues, idle, 1_500, 500)).toEqual({
      kind: 'next',
      queue: queues[1],
      enforced: { input: queues[0], waitedMs: 500 },
    });
    expect(choose(queues, idle, 1_600, 500)).toEqual({ kind: 'next', queue: queues[1] });
    // caught up: the next wait starts afresh
    expect(choose([queued('order', 5), queued('payment', 10)], idle, 1_700, 500)).toMatchObject({
      queue: { name: 'order' },
    });
    expect(idle).toEqual({ waitingSince: 0, enforcing: false });
    expect(choose(queues, idle, 9_000, 500)).toMatchObject({ kind: 'wait', started: true });
  });

  it('ends a wait when every queue has run empty: a later wait is measured from its own start', () => {
    const idle = fresh();
    choose([behind('order'), queued('payment', 10)], idle, 1_000, 500); // waits
    expect(choose([drained('order'), drained('payment')], idle, 1_100, 500)).toEqual({ kind: 'empty' });
    expect(idle.waitingSince).toBe(0);
    expect(choose([behind('order'), queued('payment', 20)], idle, 60_000, 500)).toMatchObject({
      kind: 'wait',
      started: true,
    });
  });

  it('never waits with maxIdleMs -1', () => {
    expect(choose([behind('order'), queued('payment', 10)], fresh(), 0, -1)).toMatchObject({
      kind: 'next',
      queue: { name: 'payment' },
    });
  });

  describe('confirming an empty input (a fetch started after the candidate arrived)', () => {
    const arrived = (name: string, head: number, arrivedAt: number): Q => ({ name, head, unfetched: false, arrivedAt });

    it('waits for an empty, caught-up input until a later fetch confirms it', () => {
      const idle = fresh();
      const notYet = () => false;
      expect(choose([drained('payment'), arrived('order', 2205, 100)], idle, 150, 500, notYet)).toMatchObject({
        kind: 'wait',
        input: { name: 'payment' },
      });
      const since = (t: number) => (arrivedAt: number) => arrivedAt < t;
      expect(choose([drained('payment'), arrived('order', 2205, 100)], idle, 180, 500, since(170))).toMatchObject({
        kind: 'next',
        queue: { name: 'order' },
      });
    });

    it('does not wait when every input has a record, or when asked not to', () => {
      expect(choose([arrived('payment', 0, 100), arrived('order', 2205, 100)], fresh(), 150, 500, () => false)).toMatchObject({
        kind: 'next',
        queue: { name: 'payment' },
      });
      expect(choose([drained('payment'), arrived('order', 2205, 100)], fresh(), 150, 500)).toMatchObject({ kind: 'next' });
    });

    it('still goes on after maxIdleMs if the confirmation never comes', () => {
      const idle = fresh();
      choose([drained('payment'), arrived('order', 2205, 100)], idle, 100, 500, () => false);
      expect(choose([drained('payment'), arrived('order', 2205, 100)], idle, 700, 500, () => false)).toMatchObject({
        kind: 'next',
        enforced: { input: { name: 'payment' } },
      });
    });
  });
});
