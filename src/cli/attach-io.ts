// Wiring a hijacked attach/exec connection to this terminal: output demuxed (stdcopy) or raw
// (tty), stdin forwarded (raw mode on a tty), window size sent at start and on SIGWINCH,
// detach keys recognised here so the CLI can leave the container running.
import type { Socket } from 'node:net';
import { FrameDecoder } from '../wire/stdcopy.js';
import { DetachMatcher, parseDetachKeys, DEFAULT_DETACH_KEYS } from '../wire/detach-keys.js';

export interface AttachIo {
  socket: Socket;
  head: Buffer;
  tty: boolean;
  stdin: boolean;
  detachKeys?: string;
  resize?: (rows: number, cols: number) => Promise<void>;
  /** The first resize waits for this (the container must be running to take a size); false: it did not start. */
  started?: Promise<boolean>;
}

export type AttachEnd = 'ended' | 'detached';

export function pipeAttached(io: AttachIo): Promise<AttachEnd> {
  const { socket, tty } = io;
  const stdin = process.stdin;
  const matcher = new DetachMatcher(parseDetachKeys(io.detachKeys || DEFAULT_DETACH_KEYS));
  const raw = io.stdin && tty && stdin.isTTY;
  const decoder = new FrameDecoder();
  const onOutput = (d: Buffer) => {
    if (tty) { process.stdout.write(d); return; }
    for (const f of decoder.push(d)) (f.stream === 2 ? process.stderr : process.stdout).write(f.payload);
  };
  return new Promise<AttachEnd>((resolve) => {
    let finished = false;
    const onWinch = () => {
      // a resize racing the container's exit fails harmlessly: the session ends on its own
      if (process.stdout.isTTY && io.resize) io.resize(process.stdout.rows, process.stdout.columns).catch(() => undefined);
    };
    const finish = (how: AttachEnd) => {
      if (finished) return;
      finished = true;
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onInput);
      process.off('SIGWINCH', onWinch);
      if (how === 'detached') socket.destroy();
      resolve(how);
    };
    let detaching = false;
    const onInput = (d: Buffer) => {
      if (detaching) return;
      // The keys go to the engine too: it drops this client without closing the container's
      // stdin. We only note that the coming end of the stream is a detach, not an exit.
      socket.write(d);
      if (tty && matcher.push(d).detach) {
        detaching = true;
        setTimeout(() => finish('detached'), 2000).unref();
      }
    };
    if (io.head.length) onOutput(io.head);
    socket.on('data', onOutput);
    const ended = () => finish(detaching ? 'detached' : 'ended');
    socket.on('end', ended);
    socket.on('close', ended);
    socket.on('error', ended);
    if (io.stdin) {
      if (raw) stdin.setRawMode(true);
      stdin.on('data', onInput);
      // End of our stdin closes the container's stdin; output keeps coming (half-close).
      stdin.once('end', () => { if (!finished && !detaching) socket.end(); });
      stdin.resume();
    }
    if (tty) {
      (io.started ?? Promise.resolve(true)).then((ok) => { if (ok && !finished) onWinch(); });
      process.on('SIGWINCH', onWinch);
    }
  });
}
