// Attach: clients of a container's stdio. For a created container the stream is bound when it
// starts (before its command runs, so no output is lost); for a running one, now. Resize goes
// through a stream in use, or a short-lived one.
import { invalidArgument } from '../errors.js';
import type { EngineCore } from './core.js';
import { notRunning } from './record.js';
import type { AttachStreamLike } from './services.js';

interface PendingAttach { bind(stream: AttachStreamLike): void; fail(err: unknown): void }

export class AttachHub {
  private readonly pending = new Map<string, Set<PendingAttach>>();
  private readonly active = new Map<string, Set<AttachStreamLike>>();

  constructor(private readonly core: EngineCore) {}

  async attach(ref: string): Promise<AttachStreamLike> {
    const rec = this.core.store.find(ref);
    const track = (s: AttachStreamLike) => {
      const set = this.active.get(rec.Id) ?? new Set<AttachStreamLike>();
      this.active.set(rec.Id, set);
      set.add(s);
      s.onEnd(() => { set.delete(s); if (!set.size) this.active.delete(rec.Id); });
      return s;
    };
    if (rec.State.Status === 'running') {
      const s = track(await this.core.services.runtime.attach(rec.Id));
      this.core.emit(rec, 'attach');
      return s;
    }
    if (rec.State.Status !== 'created' && rec.State.Status !== 'exited') throw notRunning(rec);
    this.core.emit(rec, 'attach'); // docker: when the client is attached, before the start it waits for
    return new Promise<AttachStreamLike>((resolve, reject) => {
      const set = this.pending.get(rec.Id) ?? new Set<PendingAttach>();
      this.pending.set(rec.Id, set);
      set.add({ bind: (s) => resolve(track(s)), fail: reject });
    });
  }

  /** Called by start once the container exists and before its command runs. */
  async bindPending(id: string): Promise<void> {
    const waiting = this.pending.get(id);
    if (!waiting?.size) return;
    this.pending.delete(id);
    for (const p of waiting) p.bind(await this.core.services.runtime.attach(id));
  }

  /** The start failed: everyone waiting for it learns why. */
  failPending(id: string, err: unknown): void {
    for (const p of this.pending.get(id) ?? []) p.fail(err);
    this.pending.delete(id);
  }

  /** A client's attach ended (it detached or went away). */
  detach(id: string, s: AttachStreamLike): void {
    this.active.get(id)?.delete(s);
    s.close();
  }

  async resize(ref: string, rows: number, cols: number): Promise<void> {
    const rec = this.core.store.find(ref);
    if (rec.State.Status !== 'running') throw notRunning(rec);
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) throw invalidArgument(`invalid size: h=${rows} w=${cols}`);
    const live = this.active.get(rec.Id)?.values().next().value;
    if (live) { live.resize(rows, cols); return; }
    const s = await this.core.services.runtime.attach(rec.Id);
    s.resize(rows, cols);
    // close() drops unsent bytes: give the frame time to reach the shim first.
    setTimeout(() => s.close(), 200).unref();
  }
}
