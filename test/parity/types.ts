// Shapes shared by the scenario list, the runner and the differences file.

export type Tool = 'docker' | 'minidock';
export type Field = 'exit' | 'stdout' | 'stderr' | 'stderr-empty' | 'outcome';

/**
 * Arguments may hold placeholders, expanded per tool run:
 *   {n:web}    a unique container/network name for logical name "web"
 *   {ip:web}   web's IPv4 address (first network), read with `inspect`
 *   {port:web} a free host port reserved for logical name "web"
 *   {image}    the busybox test image;  {lan} the LAN host;  {lan-gw} the host's address on the LAN
 *   {lan-ns}   the LAN host's network namespace
 */
export interface BaseStep {
  label: string;
  /** What to compare between the tools (default: exit + stdout + stderr-empty). */
  compare?: Field[];
  /** Post-processing before normalisation. */
  table?: boolean;
  procRoute?: boolean;
  sortLines?: boolean;
  /** Keep only header + rows naming one of these logical names (ps output). */
  rowsFor?: string[];
  /** Sanity check on docker's (normalised) result: a scenario docker fails is broken, not a parity result. */
  expect?: { exit?: number; stdout?: RegExp; stderr?: RegExp; outcome?: string };
  /** Reduce a result to one word for reachability/resolution checks; compared with Field 'outcome'. */
  outcome?: (r: StepResult) => string;
  /** Retry (until the outcome/exit equals `until`) for services that take a moment to listen. */
  retry?: { times: number; delayMs: number; until: (r: StepResult) => boolean };
  timeoutMs?: number;
  /** Pause after the step (e.g. to let a detached container exit). */
  waitMs?: number;
}

/** `<tool> ...argv` */
export interface CliStep extends BaseStep { kind: 'cli'; argv: string[]; stdin?: string }
/** A host-side command (curl, nc) optionally inside the LAN host netns. */
export interface HostStep extends BaseStep { kind: 'host'; cmd: string; args: string[]; inLan?: boolean; stdin?: string }
/** `<tool> run -it ...` on a pty: type a line, detach with ctrl-p ctrl-q, report what happened. */
export interface AttachStep extends BaseStep { kind: 'attach'; argv: string[]; name: string }

export type Step = CliStep | HostStep | AttachStep;

export interface Scenario {
  id: string;
  title: string;
  /** Steps that must succeed (exit 0) before the compared ones; not compared. */
  setup?: Step[];
  steps: Step[];
}

export interface StepResult {
  exit: number;
  stdout: string;
  stderr: string;
  outcome?: string;
}

export interface IntendedDifference {
  scenario: string;
  /** Step label; omitted = any step of the scenario. */
  step?: string;
  field: Field;
  reason: string;
  /** Optional check that the difference is the known one (gets normalised values). */
  applies?: (docker: string, minidock: string) => boolean;
}
