// Where an operation spends its time, for the latency benchmark (bench/phases.sh): named marks,
// logged as one engine-log line when MINIDOCK_DEBUG is set, e.g.
//   phases start 1a2b3c4d5e6f: spec=3.1 etc=0.9 mounts=0.4 cgroup=2.2 shim=21.5 net=9.8 exec=4.0 record=1.1 total=43.0 ms
// Nothing is measured or logged otherwise.
import type { EngineCore } from './core.js';

export interface Phases { mark(name: string): void; done(): void }

const NONE: Phases = { mark: () => undefined, done: () => undefined };

export function phases(core: EngineCore, op: string, id: string): Phases {
  if (!process.env.MINIDOCK_DEBUG) return NONE;
  const t0 = performance.now();
  let last = t0;
  const parts: string[] = [];
  return {
    mark(name) {
      const now = performance.now();
      parts.push(`${name}=${(now - last).toFixed(1)}`);
      last = now;
    },
    done() {
      core.log(`phases ${op} ${id.slice(0, 12)}: ${parts.join(' ')} total=${(performance.now() - t0).toFixed(1)} ms`);
    },
  };
}
