/** @internal a FIFO async mutex: one holder at a time, in call order. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private holders = 0;

  get locked(): boolean {
    return this.holders > 0;
  }

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.holders++;
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => {
        this.holders--;
      },
      () => {
        this.holders--;
      },
    );
    return result;
  }
}
