// Typed errors. Every error a user can meet is a MinidockError with a docker-like exit
// code and an HTTP status for the API; the CLI prints `message` as one line.
// Messages: lower-case, no trailing period, name the input at fault.

export type ErrorCode =
  | 'InvalidArgument' | 'InvalidReference' | 'ImageNotFound' | 'ManifestUnknown' | 'Unauthorized'
  | 'DigestMismatch' | 'RegistryError' | 'ImageInUse' | 'Conflict' | 'ContainerNotFound'
  | 'ContainerNotRunning' | 'ContainerRunning' | 'NameInUse' | 'NetworkNotFound' | 'NetworkInUse'
  | 'SubnetOverlap' | 'AddressInUse' | 'PoolExhausted' | 'PortInUse' | 'ExecNotFound'
  | 'CommandNotFound' | 'CommandNotExecutable' | 'ExternalCommand' | 'LayerUnsafe' | 'NotImplemented' | 'PolicyNotFound' | 'PodNotFound' | 'Internal';

export class MinidockError extends Error {
  /** Process exit code the CLI uses (125: engine/flag error, 126/127 for the command). */
  readonly exitCode: number;
  /** HTTP status used by the engine API. */
  readonly status: number;
  constructor(readonly code: ErrorCode, message: string, opts: { status?: number; exitCode?: number; cause?: unknown; hint?: string } = {}) {
    super(message, { cause: opts.cause });
    this.name = code;
    this.status = opts.status ?? 500;
    this.exitCode = opts.exitCode ?? 125;
    this.hint = opts.hint;
  }
  readonly hint?: string;
}

export const invalidArgument = (message: string) => new MinidockError('InvalidArgument', message, { status: 400 });
export const conflict = (message: string) => new MinidockError('Conflict', message, { status: 409 });

export class ImageNotFound extends MinidockError {
  constructor(readonly reference: string, detail = '') {
    // docker's wording (capitalised, shown verbatim); `reference` as docker shows it, e.g. nginx:latest
    super('ImageNotFound', `No such image: ${reference}${detail ? `: ${detail}` : ''}`, { status: 404 });
  }
}

export class ContainerNotFound extends MinidockError {
  constructor(readonly nameOrId: string) {
    super('ContainerNotFound', `No such container: ${nameOrId}`, { status: 404 });
  }
}

export class PodNotFound extends MinidockError {
  constructor(readonly nameOrId: string) {
    super('PodNotFound', `no such pod: ${nameOrId}`, { status: 404 });
  }
}

export class NetworkNotFound extends MinidockError {
  constructor(readonly nameOrId: string) {
    super('NetworkNotFound', `network ${nameOrId} not found`, { status: 404 });
  }
}

/** docker: `network rm` of a network with endpoints is Forbidden (libnetwork's ActiveEndpointsError, 403). */
export class NetworkInUse extends MinidockError {
  constructor(readonly network: string, readonly id: string) {
    super('NetworkInUse', `error while removing network: network ${network} id ${id} has active endpoints`, { status: 403 });
  }
}

export class PortInUse extends MinidockError {
  constructor(readonly hostIp: string, readonly hostPort: number, readonly proto: string, detail: string) {
    super('PortInUse', `bind for ${hostIp}:${hostPort}/${proto} failed: port is already allocated (${detail})`, { status: 409 });
  }
}

export class SubnetOverlap extends MinidockError {
  constructor(readonly subnet: string, readonly other: string) {
    super('SubnetOverlap', `subnet ${subnet} overlaps with ${other}`, { status: 409 });
  }
}

export class ExternalCommandError extends MinidockError {
  constructor(
    readonly command: string,
    readonly args: string[],
    readonly commandExitCode: number,
    readonly stderr: string,
    readonly reason: 'failed' | 'not-installed' | 'timeout',
  ) {
    const what = `${command} ${args.join(' ')}`;
    const why = reason === 'not-installed' ? 'not installed' : reason === 'timeout' ? 'timed out' : `exit ${commandExitCode}${stderr ? `: ${stderr.split('\n')[0]}` : ''}`;
    super('ExternalCommand', `${what}: ${why}`);
  }
}

/** A plain object that crosses the API and is rebuilt as a MinidockError by the client. */
export interface ErrorBody {
  message: string;
  code: ErrorCode;
  exitCode: number;
  /** What the user can do about it; the CLI prints it on the next line. */
  hint?: string;
}

export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof MinidockError) {
    return { status: err.status, body: { message: err.message, code: err.code, exitCode: err.exitCode, ...(err.hint ? { hint: err.hint } : {}) } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: { message, code: 'Internal', exitCode: 125 } };
}

export function fromErrorBody(status: number, body: Partial<ErrorBody>): MinidockError {
  return new MinidockError(body.code ?? 'Internal', body.message ?? `engine answered ${status}`, { status, exitCode: body.exitCode ?? 125, hint: body.hint });
}

// --- images (module A) ---

export class InvalidReference extends MinidockError {
  constructor(readonly reference: string, reason: string) {
    super('InvalidReference', `invalid reference format: ${reason}: ${reference}`, { status: 400 });
  }
}

export class DigestMismatch extends MinidockError {
  constructor(readonly what: string, readonly expected: string, readonly actual: string) {
    super('DigestMismatch', `${what} failed verification: expected ${expected}, got ${actual}`, { status: 502 });
  }
}

export class LayerUnsafe extends MinidockError {
  constructor(readonly entry: string, reason: string) {
    super('LayerUnsafe', `unsafe layer entry ${JSON.stringify(entry)}: ${reason}`, { status: 502 });
  }
}

export class RegistryError extends MinidockError {
  constructor(message: string, opts: { status?: number; cause?: unknown } = {}) {
    super('RegistryError', message, { status: opts.status ?? 502, cause: opts.cause });
  }
}

export class Unauthorized extends MinidockError {
  constructor(readonly registry: string, detail: string) {
    super('Unauthorized', `unauthorized: ${registry}: ${detail}`, { status: 401, hint: `try: minidock login ${registry}` });
  }
}

/** docker: "manifest for localhost:5000/x:latest not found: manifest unknown: manifest unknown"
 *  (`reference` familiar with its tag or digest, `detail` the registry's error as errcode prints it). */
export class ManifestUnknown extends MinidockError {
  constructor(readonly reference: string, detail = 'manifest unknown') {
    super('ManifestUnknown', `manifest for ${reference} not found: ${detail}`, { status: 404 });
  }
}

export class ImageInUse extends MinidockError {
  constructor(readonly reference: string, detail: string) {
    super('ImageInUse', `conflict: unable to remove ${reference}: ${detail}`, { status: 409 });
  }
}

export class AddressInUse extends MinidockError {
  constructor(readonly ip: string, readonly network: string) {
    super('AddressInUse', `address ${ip} already in use on network ${network}`, { status: 409 });
  }
}

/** A teardown that went on past failures; `errors` holds every one of them. */
export class TeardownError extends MinidockError {
  constructor(readonly what: string, readonly errors: unknown[]) {
    super('Internal', `${what}: ${errors.length} step(s) failed: ${errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}`);
  }
}

/** The container's command does not exist (docker exit 127). */
export class CommandNotFound extends MinidockError {
  constructor(readonly command: string, detail: string) {
    super('CommandNotFound', `exec: "${command}": ${detail}`, { status: 400, exitCode: 127 });
  }
}

/** The container's command exists but cannot be executed (docker exit 126). */
export class CommandNotExecutable extends MinidockError {
  constructor(readonly command: string, detail: string) {
    super('CommandNotExecutable', `exec: "${command}": ${detail}`, { status: 400, exitCode: 126 });
  }
}

/** The CLI could not reach the engine's socket. */
export class EngineUnavailable extends MinidockError {
  constructor(readonly socketPath: string, detail: string) {
    super('Internal', `cannot connect to the minidock engine at unix://${socketPath}: ${detail}`, { status: 503 });
  }
}

/**
 * Puts docker's context in front of an error's message, keeping its class, code and status
 * (moby wraps kill errors: "Cannot kill container: x: No such container: x").
 */
export function withPrefix(err: unknown, prefix: string): unknown {
  if (err instanceof Error) err.message = `${prefix}: ${err.message}`;
  return err;
}

// --- runtime: container and exec specs ---

/** A value the runtime cannot hand to the shim (NUL byte, id out of range, unknown
 * capability, ...): refused before anything is created. Long values are shortened. */
export class InvalidSpec extends MinidockError {
  constructor(readonly field: string, readonly value: string, reason: string) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
    super('InvalidArgument', `invalid ${field} ${JSON.stringify(shown)}: ${reason}`, { status: 400 });
  }
}

/** An engine setting (environment variable) that cannot be used. */
export class InvalidSetting extends MinidockError {
  constructor(readonly name: string, readonly value: string | undefined, reason: string) {
    super('InvalidArgument', `invalid ${name} ${JSON.stringify(value ?? '')}: ${reason}`, { status: 500 });
  }
}

/** The engine the CLI started did not answer on its socket in time; its log says why. */
export const engineDidNotStart = (socketPath: string, detail: string, logFile: string) =>
  new MinidockError('Internal', `the minidock engine did not come up on unix://${socketPath}: ${detail}`, { status: 503, hint: `see the engine log: ${logFile}` });

export class PolicyNotFound extends MinidockError {
  constructor(ref: string) {
    super('PolicyNotFound', `network policy ${ref} not found`, { status: 404 });
  }
}

/** A CNI plugin answered with an error (CNI spec 1.0 error object: code, msg, details). */
export class CniError extends MinidockError {
  constructor(readonly plugin: string, readonly command: string, readonly network: string, readonly cniCode: number, msg: string) {
    super('Internal', `cni plugin ${plugin} (${command} on network ${network}) failed: ${msg} (code ${cniCode})`, { status: 500 });
  }
}
