// minidock's version (package.json next to src/ or dist/): one module below the CLI, the API
// and the daemon, so none of them imports another for it.
import fs from 'node:fs';

export function version(): string {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
