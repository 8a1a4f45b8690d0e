// What a failing command prints, docker 28 style: the error line, the error's hint on the next
// line, for run/create a pointer to the help; usage errors with the command's usage.
import { describe, expect, it } from 'vitest';
import { errorText } from '../../src/cli/output.js';
import { buildProgram, usageErrorText } from '../../src/cli/main.js';
import { MinidockError, Unauthorized, engineDidNotStart, invalidArgument } from '../../src/errors.js';
import { markDaemon } from '../../src/api/client.js';

const sub = (...names: string[]) => names.reduce((cmd, n) => cmd.commands.find((c) => c.name() === n)!, buildProgram());

describe('errorText', () => {
  it('shows the hint on the line after the error', () => {
    const err = markDaemon(new Unauthorized('127.0.0.1:5000', 'authentication required'));
    expect(errorText(err, 'pull')).toBe('Error response from daemon: unauthorized: 127.0.0.1:5000: authentication required\ntry: minidock login 127.0.0.1:5000');
  });

  it('is one line for an error without a hint', () => {
    expect(errorText(invalidArgument('--password and --password-stdin are mutually exclusive'), 'login')).toBe('--password and --password-stdin are mutually exclusive');
  });

  it('points run and create at their help, after the hint', () => {
    const err = new MinidockError('InvalidArgument', 'invalid container port abc', { hint: 'e.g. -p 8080:80' });
    expect(errorText(err, 'run')).toBe("minidock: invalid container port abc\ne.g. -p 8080:80\n\nRun 'minidock run --help' for more information");
    expect(errorText(invalidArgument('boom'), 'create')).toBe("minidock: boom\n\nRun 'minidock create --help' for more information");
    expect(errorText(invalidArgument('boom'), 'start')).toBe('minidock: boom');
  });

  it('names the engine log when the engine does not come up', () => {
    expect(errorText(engineDidNotStart('/run/x.sock', 'the engine exited with code 1', '/var/log/minidock.log'), 'ps'))
      .toBe('the minidock engine did not come up on unix:///run/x.sock: the engine exited with code 1\nsee the engine log: /var/log/minidock.log');
  });
});

describe('usageErrorText', () => {
  it('words a missing argument like docker, with at least for variadic or optional ones', () => {
    expect(usageErrorText(sub('rm'), "error: missing required argument 'containers'\n"))
      .toBe("minidock: 'minidock rm' requires at least 1 argument\n\nUsage:  minidock rm [options] <containers...>\n\nSee 'minidock rm --help' for more information\n");
    expect(usageErrorText(sub('exec'), "error: missing required argument 'command'\n")).toMatch(/^minidock: 'minidock exec' requires at least 2 arguments\n/);
    expect(usageErrorText(sub('network', 'create'), "error: missing required argument 'name'\n")).toMatch(/^minidock: 'minidock network create' requires 1 argument\n\nUsage: {2}minidock network create \[options\] <name>\n/);
  });

  it('keeps flag errors in docker words, then usage and help', () => {
    expect(usageErrorText(sub('ps'), "error: unknown option '--bogus'\n"))
      .toBe("unknown flag: --bogus\n\nUsage:  minidock ps [options]\n\nRun 'minidock ps --help' for more information\n");
    expect(usageErrorText(sub('logs'), "error: option '-n, --tail <n>' argument missing\n")).toMatch(/^flag needs an argument: --tail\n/);
  });
});
