// Exit codes per command, as the docker CLI (20.10) gives them on this host.
import { describe, expect, it } from 'vitest';
import { errorLine, exitCodeOf } from '../../src/cli/output.js';
import { CommandNotExecutable, CommandNotFound, ContainerNotFound, ManifestUnknown, invalidArgument } from '../../src/errors.js';

describe('exitCodeOf', () => {
  const missing = new ManifestUnknown('localhost:5000/nope:latest');
  const table: [string, unknown, string | undefined, number][] = [
    ['run: engine error', missing, 'run', 125],
    ['run: command not found', new CommandNotFound('x', 'executable file not found in $PATH'), 'run', 127],
    ['run: not executable', new CommandNotExecutable('/etc', 'is a directory'), 'run', 126],
    ['create: engine error', missing, 'create', 1],
    ['pull: missing tag', missing, 'pull', 1],
    ['logs: no such container', new ContainerNotFound('x'), 'logs', 1],
    ['start: no such container', new ContainerNotFound('x'), 'start', 1],
    ['login: bad arguments', invalidArgument('a registry server is required'), 'login', 1],
    ['exec: command not executable keeps 126', new CommandNotExecutable('x', 'permission denied'), 'exec', 126],
    ['top level keeps the code', missing, undefined, 125],
    ['a plain error in run', new Error('boom'), 'run', 125],
    ['a plain error elsewhere', new Error('boom'), 'ps', 1],
  ];
  for (const [name, err, command, want] of table) it(name, () => expect(exitCodeOf(err, command)).toBe(want));

  it('prefixes run/create/start errors with the program name', () => {
    expect(errorLine(new Error('boom'), 'run')).toBe('minidock: boom');
    expect(errorLine(new Error('boom'), 'rm')).toBe('boom');
  });
});
