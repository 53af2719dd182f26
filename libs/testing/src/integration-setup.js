// Integration tests talk to a real broker: group joins, transactions and restores take seconds.
jest.setTimeout(180_000);
