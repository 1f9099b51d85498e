/**
 * Runs tasks one at a time in the order they were queued. A task starts only once the one before
 * it settled, whether it succeeded or failed: one failed turn never blocks the next.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Queues `task`; the result settles like the task once it ran. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
