/*
 * In-process locks. The JSONL store is single-process, so these are what make each of its methods
 * atomic: a method holds the locks of everything it reads-then-writes across `await`s.
 *
 * Lock order, to stay free of deadlocks: the global mutex, then the topology lock, then session
 * locks (several at once only through `KeyedMutex.runAll`, which takes them in sorted order), then
 * the files mutex. Nothing acquires a lock earlier in that order while holding a later one.
 */

/** A FIFO async mutex: `run` calls execute one at a time, in the order they were made. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  /** Runs `work` once every earlier `run` has settled; its result or error passes through. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release = () => {};
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.waiting++;
    try {
      await previous;
      return await work();
    } finally {
      this.waiting--;
      release();
    }
  }

  /** True when nobody holds or waits for the mutex. */
  get idle(): boolean {
    return this.waiting === 0;
  }
}

/**
 * One {@link Mutex} per key (a session id), created on demand and dropped once idle, so memory
 * follows the number of sessions being worked on, not the number stored.
 */
export class KeyedMutex {
  private readonly mutexes = new Map<string, Mutex>();

  /** Runs `work` while holding `key`'s mutex. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    let mutex = this.mutexes.get(key);
    if (!mutex) {
      mutex = new Mutex();
      this.mutexes.set(key, mutex);
    }
    const held = mutex;
    try {
      return await held.run(work);
    } finally {
      if (held.idle && this.mutexes.get(key) === held) this.mutexes.delete(key);
    }
  }

  /** Runs `work` while holding the mutexes of all `keys`, acquired in sorted order. */
  async runAll<T>(keys: Iterable<string>, work: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const acquire = (index: number): Promise<T> => {
      const key = sorted[index];
      if (key === undefined) return work();
      return this.run(key, () => acquire(index + 1));
    };
    return acquire(0);
  }
}

interface Waiter {
  exclusive: boolean;
  start: () => void;
}

/**
 * A FIFO readers-writer lock: any number of shared holders, or one exclusive holder. A waiting
 * exclusive request blocks shared requests made after it, so a writer is never starved.
 */
export class ReadWriteLock {
  private readers = 0;
  private writing = false;
  private readonly queue: Waiter[] = [];

  /** Runs `work` alongside other shared holders, never alongside an exclusive one. */
  shared<T>(work: () => Promise<T>): Promise<T> {
    return this.hold(false, work);
  }

  /** Runs `work` with no other holder at all. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.hold(true, work);
  }

  private async hold<T>(exclusive: boolean, work: () => Promise<T>): Promise<T> {
    await new Promise<void>((start) => {
      this.queue.push({ exclusive, start });
      this.grant();
    });
    try {
      return await work();
    } finally {
      if (exclusive) this.writing = false;
      else this.readers--;
      this.grant();
    }
  }

  private grant(): void {
    for (;;) {
      const next = this.queue[0];
      if (!next || this.writing) return;
      if (next.exclusive) {
        if (this.readers > 0) return;
        this.writing = true;
      } else {
        this.readers++;
      }
      this.queue.shift();
      next.start();
    }
  }
}
