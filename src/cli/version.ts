// The CLI's version, read from package.json next to src/ or dist/.
import fs from 'node:fs';

export function cliVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
