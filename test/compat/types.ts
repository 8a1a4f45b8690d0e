// Shapes shared by the compatibility suite's scenarios, runner, comparison and differences list.

export type EngineName = 'dockerd' | 'minidock';
export type ClientName = 'docker-cli' | 'compose' | 'docker-py' | 'dockerode' | 'testcontainers';

/** One engine as the clients see it. */
export interface Target {
  engine: EngineName;
  /** The engine's API socket (a path). */
  socket: string;
  /** Environment every client is run with: DOCKER_HOST=unix://<socket>, a private DOCKER_CONFIG, ... */
  env: Record<string, string>;
  /** Lists the ids of the containers the engine itself knows (its own API, not a client's view). */
  containerIds(): Promise<string[]>;
}

export interface Scenario {
  id: string;
  client: ClientName;
  title: string;
  timeoutMs?: number;
  /** Throws (through ScenarioRun.step) on the first thing that does not work. */
  run(t: import('./context.js').ScenarioRun): Promise<void>;
}

/** One scenario under one engine. */
export interface ScenarioResult {
  ok: boolean;
  /** Label of the step that failed and its error (first line first). */
  failedStep?: string;
  error?: string;
  /** minidock only: the first request the engine answered with an error during the run. */
  engineError?: string;
  /** Problems removing what the scenario created (reported, never hidden). */
  cleanupErrors: string[];
  ms: number;
}

export interface IntendedDifference {
  scenario: string;
  reason: string;
  /** Checks that minidock's failure is the known one (gets the failed step and error). */
  applies: (failedStep: string, error: string) => boolean;
}
