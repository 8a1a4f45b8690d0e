// Error texts users see verbatim, checked against docker 20.10 on this host.
import { describe, expect, it } from 'vitest';
import { ContainerNotFound, ImageNotFound, ManifestUnknown, MinidockError, withPrefix } from '../../src/errors.js';
import { notFoundName } from '../../src/image/reference.js';
import { registryErrorText } from '../../src/image/registry.js';

describe('notFoundName (docker rmi / No such image)', () => {
  const hex = 'a'.repeat(64);
  const table: [string, string][] = [
    ['nosuchimg', 'nosuchimg:latest'],
    ['library/nosuch', 'nosuch:latest'],
    ['docker.io/library/nginx:1', 'nginx:1'],
    ['localhost:5000/nope', 'localhost:5000/nope:latest'],
    ['localhost:5000/nope:v1', 'localhost:5000/nope:v1'],
    ['abcdef', 'abcdef:latest'],
    [hex, `sha256:${hex}`],
    [`sha256:${hex}`, `sha256:${hex}`],
    [`nginx@sha256:${hex}`, `nginx@sha256:${hex}`],
    ['ABC', 'ABC'],
  ];
  for (const [input, want] of table) it(input, () => expect(notFoundName(input)).toBe(want));
});

describe('registryErrorText', () => {
  it('prints the first error like errcode', () => {
    expect(registryErrorText('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"latest"}}]}'))
      .toBe('manifest unknown: manifest unknown');
    expect(registryErrorText('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}')).toBe('blob unknown: blob unknown to registry');
    expect(registryErrorText('{"errors":[{"code":"NAME_UNKNOWN"}]}')).toBe('name unknown');
    expect(registryErrorText('not found')).toBeUndefined();
    expect(registryErrorText('{"errors":[]}')).toBeUndefined();
  });
});

describe('error messages', () => {
  it('words them like docker', () => {
    expect(new ContainerNotFound('x').message).toBe('No such container: x');
    expect(new ImageNotFound('nosuchimg:latest').message).toBe('No such image: nosuchimg:latest');
    expect(new ManifestUnknown('localhost:5000/nope:latest', 'manifest unknown: manifest unknown').message)
      .toBe('manifest for localhost:5000/nope:latest not found: manifest unknown: manifest unknown');
  });
  it('withPrefix keeps class, code and status', () => {
    const err = withPrefix(new ContainerNotFound('x'), 'Cannot kill container: x');
    expect(err).toBeInstanceOf(ContainerNotFound);
    expect(err).toMatchObject({ code: 'ContainerNotFound', status: 404, message: 'Cannot kill container: x: No such container: x' });
    expect(withPrefix('plain', 'p')).toBe('plain');
    expect(withPrefix(new MinidockError('Internal', 'boom'), 'p')).toMatchObject({ message: 'p: boom' });
  });
});
