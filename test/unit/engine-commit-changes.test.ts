// docker commit --change lines applied to an image config.
import { describe, it, expect } from 'vitest';
import { applyChange, splitWords } from '../../src/engine/commit-changes.js';
import type { ImageConfig } from '../../src/engine/services.js';

const apply = (cfg: ImageConfig, ...lines: string[]) => { for (const l of lines) applyChange(cfg, l); return cfg; };

describe('commit --change', () => {
  it('splits words with quotes and escapes', () => {
    expect(splitWords(`a="b c" d\\ e 'f g' ""`)).toEqual(['a=b c', 'd e', 'f g', '']);
    expect(() => splitWords('a="b')).toThrow(/unterminated quote/);
  });

  it('applies CMD/ENTRYPOINT (json and shell form), ENV (both forms), LABEL, EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL', () => {
    const cfg = apply({ Env: ['PATH=/bin', 'A=1'], Labels: { old: 'x' }, WorkingDir: '/app' },
      'CMD ["cat", "/marker"]', 'ENTRYPOINT echo hi', 'ENV A=2 B="two words"', 'ENV C some value',
      'LABEL compat="cmp1" other=y', 'EXPOSE 80 53/udp', 'VOLUME ["/data"]', 'user nobody', 'WORKDIR sub', 'STOPSIGNAL SIGQUIT');
    expect(cfg).toEqual({
      Cmd: ['cat', '/marker'], Entrypoint: ['/bin/sh', '-c', 'echo hi'],
      Env: ['PATH=/bin', 'A=2', 'B=two words', 'C=some value'], Labels: { old: 'x', compat: 'cmp1', other: 'y' },
      ExposedPorts: { '80/tcp': {}, '53/udp': {} }, Volumes: { '/data': {} }, User: 'nobody', WorkingDir: '/app/sub', StopSignal: 'SIGQUIT',
    });
  });

  it('refuses what commit cannot apply, naming it', () => {
    expect(() => apply({}, 'RUN true')).toThrow(/RUN is not a valid change command/);
    expect(() => apply({}, 'ONBUILD RUN x')).toThrow(/does not support ONBUILD/);
    expect(() => apply({}, 'EXPOSE http')).toThrow(/invalid EXPOSE port "http"/);
    expect(() => apply({}, 'LABEL novalue')).toThrow(/key=value/);
  });
});
