// In-process serialisation of critical sections (IPAM allocation, port reservation, name
// registration). One engine process owns the state, so an async mutex is the lock; the
// engine itself holds a pid lock file so a second engine cannot start on the same root.
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
