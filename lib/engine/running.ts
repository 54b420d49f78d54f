/** @file The chDB runs in flight, so shutdown waits for them. */

export class RunningQueries {
  private readonly running = new Set<Promise<unknown>>();

  /** Tracks a run until it settles; returns it. */
  track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    const drop = (): void => void this.running.delete(p);
    p.then(drop, drop);
    return p;
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
