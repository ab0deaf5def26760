/**
 * The pages one stream hands to a stream that transforms them (dlt's `data_from`), buffered so the
 * producer never waits on its consumer: a transformer that is slow, or has failed, does not hold
 * back the stream it reads. One consumer per feed.
 */
export class PageFeed<T> implements AsyncIterable<T> {
  private readonly buffered: T[] = [];
  private ended = false;
  private failure: Error | undefined;
  /** Set once the consumer stops reading, so later pages are not kept for nobody. */
  private abandoned = false;
  private wake: (() => void) | undefined;

  push(page: T): void {
    if (this.abandoned) return;
    this.buffered.push(page);
    this.notify();
  }

  /** No more pages; with `failure`, the consumer's loop throws it once the buffered pages are read. */
  end(failure?: Error): void {
    this.ended = true;
    this.failure = failure;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        if (this.buffered.length > 0) {
          yield this.buffered.shift() as T;
        } else if (this.ended) {
          if (this.failure) throw this.failure;
          return;
        } else {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        }
      }
    } finally {
      this.abandoned = true;
      this.buffered.length = 0;
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
