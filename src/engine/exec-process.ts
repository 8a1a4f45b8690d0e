// A process run inside a running container (`exec`, and the healthcheck probes): the
// container's own identity, environment, capabilities, no_new_privs and seccomp filter, run by
// the runtime through the shim's setns path, then moved into the container's cgroup.
import type { EngineCore } from './core.js';
import { notRunning, type ContainerRecord } from './record.js';
import { invalidArgument } from '../errors.js';
import { containerSecurity } from './security.js';
import { processSpec } from './process-spec.js';
import { cgroupOf } from './resources.js';
import type { ExecProcessLike, ProcessSecurity } from './services.js';

export interface ExecOptions { cmd: string[]; env: string[]; workingDir: string; user: string; tty: boolean; consoleSize?: { rows: number; cols: number } }

/** A pod's holder has no image: nothing can be exec'd in it. */
export function assertExecTarget(rec: ContainerRecord): void {
  if (rec.Hold) throw invalidArgument(`container ${rec.Name.slice(1)} holds a pod's namespaces: it has no image to exec in`);
}

export async function execProcess(core: EngineCore, ref: string, o: ExecOptions): Promise<ExecProcessLike> {
  const rec = core.store.find(ref);
  if (rec.State.Status !== 'running') throw notRunning(rec);
  assertExecTarget(rec);
  // docker: an exec has its container's capabilities, no_new_privs and seccomp filter
  const { capabilities, noNewPrivileges, seccomp } = await containerSecurity(rec.HostConfig);
  const security: ProcessSecurity = { capabilities, noNewPrivileges, seccomp };
  const { images, runtime } = core.services;
  const image = await images.get(rec.Image);
  const spec = await processSpec(runtime, images.layerDirs(image), image.config, {
    args: o.cmd, env: [...rec.Config.Env, ...o.env], workingDir: o.workingDir || rec.Config.WorkingDir,
    user: o.user || rec.Config.User, hostname: rec.Config.Hostname, tty: o.tty,
  }, security);
  const proc = await runtime.exec(rec.Id, rec.State.Pid, o.tty && o.consoleSize ? { ...spec, consoleSize: o.consoleSize } : spec);
  // An exec joins the container's namespaces through setns, not its cgroup: it is moved in
  // here, once the shim reports it started. Its limits and stats apply from then on; a child
  // it forks in the instant before the move stays outside (the exec shim would have to hold
  // the process before exec, as the container's shim does, to close that window).
  try {
    await (await cgroupOf(core, rec)).addProcess(proc.pid);
  } catch (err) {
    // deliberate: an exec that already exited (ESRCH, as a quick healthcheck probe often has)
    // cannot be moved and needs no word; anything else is logged
    const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
    if (cause?.code !== 'ESRCH') core.log(`exec ${proc.pid} of ${rec.Id} not moved into its cgroup: ${(err as Error).message}`);
  }
  return proc;
}
