import { caughtUp, partitionLag } from './backlog';

describe('engine backlog', () => {
  it('counts from the committed offset, or from the start of the log where the group has none', () => {
    expect(partitionLag({ committed: 40, low: 0, high: 100 })).toBe(60);
    expect(partitionLag({ committed: -1, low: 10, high: 100 })).toBe(90);
    // committed below what retention kept: the records before `low` are gone
    expect(partitionLag({ committed: 5, low: 10, high: 100 })).toBe(90);
    expect(partitionLag({ committed: 100, low: 0, high: 100 })).toBe(0);
  });

  it('is caught up with at most one record (a commit marker) left per partition', () => {
    expect(caughtUp(12, 12)).toBe(true);
    expect(caughtUp(13, 12)).toBe(false);
  });
});
