// Pull progress like docker's jsonmessage: on a terminal one line per layer, redrawn in
// place with a progress bar; otherwise one plain line per status change.
import type { PullProgress } from '../api/client.js';
import { humanSize } from '../api/human.js';

export function progressBar(current: number, total: number, width = 50): string {
  if (!total || total <= 0) return current ? humanSize(current) : '';
  const filled = Math.min(width, Math.floor((current / total) * width));
  const arrow = filled < width ? '>' : '';
  const bar = `[${'='.repeat(Math.max(0, filled - (arrow ? 1 : 0)))}${arrow}${' '.repeat(width - filled)}]`;
  return `${bar}  ${humanSize(current)}/${humanSize(total)}`;
}

export function plainLine(p: PullProgress): string {
  return p.id ? `${p.id}: ${p.status ?? ''}` : p.status ?? '';
}

export class ProgressPrinter {
  private readonly lineOf = new Map<string, number>();
  private printed = 0;
  private readonly lastStatus = new Map<string, string>();
  constructor(private readonly out: NodeJS.WriteStream, private readonly tty = !!out.isTTY) {}

  handle(p: PullProgress): void {
    const id = p.id ?? '';
    // Lines without a layer id, and "Pulling from" (id = tag), are printed once, not redrawn.
    if (!id || /Pulling from|^Digest:|^Status:/.test(p.status ?? '')) {
      this.out.write(plainLine(p) + '\n');
      this.printed++;
      return;
    }
    const detail = p.progressDetail && (p.progressDetail.current || p.progressDetail.total)
      ? progressBar(p.progressDetail.current ?? 0, p.progressDetail.total ?? 0) : '';
    const line = `${id}: ${p.status ?? ''}${detail ? ` ${detail}` : ''}`;
    if (!this.tty) {
      if (this.lastStatus.get(id) !== p.status) this.out.write(`${id}: ${p.status ?? ''}\n`);
      this.lastStatus.set(id, p.status ?? '');
      return;
    }
    const index = this.lineOf.get(id);
    if (index === undefined) {
      this.lineOf.set(id, this.printed++);
      this.out.write(`${line}\n`);
      return;
    }
    const up = this.printed - index;
    // Move up to the layer's line, rewrite it, come back down.
    this.out.write(`\x1b[${up}A\r\x1b[2K${line}\r\x1b[${up}B`);
  }
}
