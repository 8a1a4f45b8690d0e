// bin/minidock is both a sh launcher and the node entry: run as a program it starts node
// without NODE_EXTRA_CA_CERTS (node warns at start-up when that file cannot be loaded, which
// makes the difference visible); run as `node bin/minidock` it is plain JavaScript.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(REPO, 'bin/minidock');
const built = fs.existsSync(path.join(REPO, 'dist/cli/entry.js'));
const exec = promisify(execFile);
const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/F-ca.pem' };

describe.skipIf(!built)('bin/minidock launcher', () => {
  it('runs as a program without the extra CA bundle, and through a symlink (npm bin link)', async () => {
    const direct = await exec(BIN, ['--version'], { env });
    expect(direct.stdout).toMatch(/^minidock version \S+\n$/);
    expect(direct.stderr).not.toContain('extra certs');
    const link = path.join(fs.mkdtempSync('/tmp/F-launcher-'), 'minidock');
    try {
      fs.symlinkSync(BIN, link);
      expect((await exec(link, ['--version'], { env })).stdout).toBe(direct.stdout);
    } finally {
      fs.rmSync(path.dirname(link), { recursive: true, force: true });
    }
  });

  it('still runs as `node bin/minidock` (then node itself loads the bundle)', async () => {
    const viaNode = await exec(process.execPath, [BIN, '--version'], { env });
    expect(viaNode.stdout).toMatch(/^minidock version \S+\n$/);
    expect(viaNode.stderr).toContain('extra certs');
  });

  it('passes exit codes and usage errors through', async () => {
    const err = await exec(BIN, ['--bogus-flag'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(125);
    expect((err as { stderr: string }).stderr).toContain('unknown flag: --bogus-flag');
  });
});
