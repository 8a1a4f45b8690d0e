// Exec instances (docker's two-step create + start): kept in memory, like dockerd does.
import { MinidockError, invalidArgument } from '../errors.js';
import type { ExecCreateBody } from '../wire/api-types.js';
import type { Engine } from './engine.js';
import { newId } from './names.js';
import { notRunning } from './record.js';
import type { ExecProcessLike } from './services.js';

// Detach: the docker CLI sends its own ExecConfig whole; `exec -d` is carried out by exec start's
// Detach (dockerd, too, reads it only there). Container: docker-py repeats the path's container
// (create checks that both name the same one).
const EXEC_FIELDS = new Set(['Cmd', 'Env', 'User', 'WorkingDir', 'Tty', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'DetachKeys', 'ConsoleSize', 'Privileged', 'Detach', 'Container']);

/** An exec create body: what minidock does not do is refused by name, never ignored. */
function checkExecFields(body: ExecCreateBody): void {
  for (const [k, v] of Object.entries(body)) {
    if (!EXEC_FIELDS.has(k) && v !== null && v !== undefined && v !== false && v !== '') throw invalidArgument(`minidock does not support the exec field ${k}`);
  }
  if (body.Privileged) throw invalidArgument('minidock does not support exec --privileged yet');
  const size = body.ConsoleSize;
  if (size === undefined || size === null) return;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((n) => Number.isInteger(n) && n >= 0 && n <= 65535)) {
    throw invalidArgument(`invalid ConsoleSize ${JSON.stringify(size)}: expected [height, width], each 0 to 65535`);
  }
  if (!body.Tty && size.some((n) => n > 0)) throw invalidArgument('ConsoleSize is for an exec with a tty (Tty: true)');
}

/** ConsoleSize [height, width] as the exec's first tty size (a zero in either: none). */
function consoleSize(c: ExecCreateBody): { consoleSize?: { rows: number; cols: number } } {
  const [rows, cols] = c.ConsoleSize ?? [0, 0];
  return c.Tty && rows && cols ? { consoleSize: { rows, cols } } : {};
}

export interface ExecInstance {
  id: string;
  containerId: string;
  config: ExecCreateBody;
  running: boolean;
  exitCode: number | null;
  pid: number;
  process?: ExecProcessLike;
}

export class ExecManager {
  private readonly execs = new Map<string, ExecInstance>();
  constructor(private readonly engine: Engine) {}

  create(ref: string, body: ExecCreateBody | undefined): string {
    const containerId = this.engine.resolve(ref);
    if (!body || !Array.isArray(body.Cmd) || body.Cmd.length === 0) throw invalidArgument('no exec command specified');
    checkExecFields(body);
    const named = (body as { Container?: unknown }).Container;
    if (typeof named === 'string' && named !== '' && this.engine.resolve(named) !== containerId) {
      throw invalidArgument(`the exec body's Container ${named} is not the container of the path, ${ref}`);
    }
    if (!this.engine.isRunning(containerId)) throw notRunning({ Id: containerId });
    this.engine.assertExecTarget(containerId);
    const id = newId();
    this.execs.set(id, { id, containerId, config: body, running: false, exitCode: null, pid: 0 });
    return id;
  }

  get(id: string): ExecInstance {
    const e = this.execs.get(id);
    if (!e) throw new MinidockError('ExecNotFound', `no such exec instance: ${id}`, { status: 404 });
    return e;
  }

  /** What /exec/{id}/start checks before it answers (dockerd: before it hijacks the connection). */
  startable(id: string): ExecInstance {
    const e = this.get(id);
    if (e.running || e.exitCode !== null) throw new MinidockError('Conflict', `exec instance ${id} has already been started`, { status: 409 });
    return e;
  }

  /** Starts the process; resolves once it runs. The exit code is recorded when it ends. */
  async start(id: string): Promise<ExecInstance> {
    const e = this.startable(id);
    e.running = true;
    try {
      e.process = await this.engine.execProcess(e.containerId, {
        cmd: e.config.Cmd, env: e.config.Env ?? [], workingDir: e.config.WorkingDir ?? '', user: e.config.User ?? '', tty: !!e.config.Tty,
        ...consoleSize(e.config),
      });
    } catch (err) {
      e.running = false;
      e.exitCode = err instanceof MinidockError && err.exitCode !== 125 ? err.exitCode : 126;
      throw err;
    }
    e.pid = e.process.pid;
    e.process.wait().then(
      (code) => { e.exitCode = code; e.running = false; },
      () => { e.exitCode = 255; e.running = false; },
    );
    return e;
  }

  inspect(id: string) {
    const e = this.get(id);
    return {
      ID: e.id, Running: e.running, ExitCode: e.exitCode, Pid: e.pid, ContainerID: e.containerId,
      OpenStdin: !!e.config.AttachStdin, OpenStdout: e.config.AttachStdout !== false, OpenStderr: e.config.AttachStderr !== false,
      ProcessConfig: { tty: !!e.config.Tty, entrypoint: e.config.Cmd[0], arguments: e.config.Cmd.slice(1), user: e.config.User ?? '' },
    };
  }

  resize(id: string, rows: number, cols: number): void {
    const e = this.get(id);
    if (!e.process || !e.running) throw new MinidockError('Conflict', `exec ${id} is not running`, { status: 409 });
    e.process.resize(rows, cols);
  }
}
