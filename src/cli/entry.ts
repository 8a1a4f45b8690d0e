// What bin/minidock runs: the fast path for the hottest command lines, else the full CLI.
import { parseFast } from './fast.js';

export async function main(argv: string[]): Promise<void> {
  const fast = parseFast(argv.slice(2));
  if (!fast) return (await import('./main.js')).main(argv);
  const { runAction } = await import('./output.js');
  if (fast.kind === 'version') {
    const { version: cliVersion } = await import('../version.js');
    process.stdout.write(`minidock version ${cliVersion()}\n`);
    return;
  }
  if (fast.kind === 'server-version') {
    const { versionCommand } = await import('./commands/system.js');
    return runAction('version', versionCommand);
  }
  if (fast.kind === 'images') {
    const { imagesCommand } = await import('./commands/images.js');
    return runAction('images', () => imagesCommand(undefined, { quiet: fast.quiet, noTrunc: fast.noTrunc }));
  }
  if (fast.kind === 'inspect') {
    const { inspectCommand } = await import('./commands/containers.js');
    return runAction('inspect', () => inspectCommand(fast.names, { format: fast.format, type: fast.type }));
  }
  if (fast.kind === 'ps') {
    const { psCommand } = await import('./commands/containers.js');
    return runAction('ps', () => psCommand({ all: fast.all, quiet: fast.quiet, noTrunc: fast.noTrunc }));
  }
  const { runCommand } = await import('./commands/run.js');
  return runAction('run', () => runCommand(fast.image, fast.command, fast.flags));
}
