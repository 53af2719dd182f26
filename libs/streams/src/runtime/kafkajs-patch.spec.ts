/**
 * patches/kafkajs+2.2.4.patch (applied by `patch-package` on install) fixes kafkajs's filter of
 * aborted transactions for read-committed consumers. These tests run against the installed
 * kafkajs module, so they fail where the patch was not applied.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs internal module, no types
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages') as (args: {
  messages: Message[];
  abortedTransactions?: Array<{ firstOffset: string; producerId: string }>;
}) => Message[];

interface Message {
  offset: string;
  key: Buffer | null;
  batchContext: { producerId: string; inTransaction: boolean };
}

const ABORT = Buffer.from([0, 0, 0, 0]);
const data = (offset: number, producerId: string): Message => ({
  offset: String(offset),
  key: Buffer.from('k'),
  batchContext: { producerId, inTransaction: true },
});
const abortMarker = (offset: number, producerId: string): Message => ({
  offset: String(offset),
  key: ABORT,
  batchContext: { producerId, inTransaction: true },
});
const offsets = (ms: Message[]) => ms.filter((m) => m.key !== ABORT).map((m) => Number(m.offset));

describe('kafkajs aborted-transaction filter (patched)', () => {
  it('given a fetch that starts inside two interleaved aborted transactions, drops the records of both', () => {
    // producer A aborted a transaction begun at 100, producer B one begun at 102; C committed.
    // The previous fetch ended at 104, so this one starts at 105.
    const messages = [
      data(105, 'B'),
      data(106, 'A'),
      data(107, 'C'),
      abortMarker(108, 'A'),
      abortMarker(109, 'B'),
      data(110, 'C'),
    ];
    const kept = filterAbortedMessages({
      messages,
      abortedTransactions: [
        { firstOffset: '100', producerId: 'A' },
        { firstOffset: '102', producerId: 'B' },
      ],
    });
    expect(offsets(kept)).toEqual([107, 110]);
  });

  it('given the aborted transactions out of first-offset order, still drops exactly their records', () => {
    const messages = [
      data(1, 'C'),
      data(2, 'A'),
      data(3, 'B'),
      abortMarker(4, 'A'),
      abortMarker(5, 'B'),
      data(6, 'A'),
    ];
    const kept = filterAbortedMessages({
      messages,
      abortedTransactions: [
        { firstOffset: '3', producerId: 'B' },
        { firstOffset: '2', producerId: 'A' },
      ],
    });
    expect(offsets(kept)).toEqual([1, 6]);
  });

  it('keeps every record when nothing was aborted', () => {
    const messages = [data(1, 'A'), data(2, 'B')];
    expect(offsets(filterAbortedMessages({ messages, abortedTransactions: [] }))).toEqual([1, 2]);
  });
});
