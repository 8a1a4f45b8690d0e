// The archive wire rules: tar entry names below an extraction dir, the path-stat header
// codec with Go's os.FileMode bits, and docker cp's destination rules.
import { describe, expect, it } from 'vitest';
import { entryComponents, joinInRoot } from '../../src/wire/tar-names.js';
import { decodePathStat, encodePathStat, goFileMode, GO_MODE, isGoDir } from '../../src/wire/path-stat.js';
import { prepareArchiveCopy, rebaseName, splitCpArg, splitDirEntry } from '../../src/cli/cp-rules.js';

describe('tar entry names', () => {
  it('keeps names below the extraction dir', () => {
    expect(entryComponents('a/b/c')).toEqual(['a', 'b', 'c']);
    expect(entryComponents('./a//b/')).toEqual(['a', 'b']);
    expect(entryComponents('a/../b')).toEqual(['b']);
    expect(entryComponents('.')).toEqual([]);
    expect(joinInRoot('/', ['a', 'b'])).toBe('/a/b');
    expect(joinInRoot('/tmp', ['x'])).toBe('/tmp/x');
  });
  it('refuses names that climb out or are absolute', () => {
    expect(() => entryComponents('../x')).toThrow(/refusing tar entry \.\.\/x: it escapes/);
    expect(() => entryComponents('a/../../x')).toThrow(/escapes/);
    expect(() => entryComponents('/etc/passwd')).toThrow(/absolute path/);
  });
});

describe('path stat header', () => {
  it('uses Go os.FileMode bits as dockerd sends them', () => {
    expect(goFileMode(0o040755)).toBe(2147484141); // dockerd's mode for a 0755 directory
    expect(goFileMode(0o120777)).toBe(GO_MODE.symlink + 0o777);
    expect(goFileMode(0o100644)).toBe(0o644);
    expect(goFileMode(0o104755)).toBe(GO_MODE.setuid + 0o755);
    expect(goFileMode(0o041777)).toBe(GO_MODE.dir + GO_MODE.sticky + 0o777);
    expect(goFileMode(0o020666)).toBe(GO_MODE.device + GO_MODE.charDevice + 0o666);
    expect(isGoDir(goFileMode(0o040700))).toBe(true);
    expect(isGoDir(goFileMode(0o100700))).toBe(false);
  });
  it('round-trips through base64 JSON and refuses a missing header', () => {
    const s = { name: 'etc', size: 4096, mode: 2147484141, mtime: '2024-01-02T03:04:05.000Z', linkTarget: '' };
    expect(JSON.parse(Buffer.from(encodePathStat(s), 'base64').toString())).toEqual(s);
    expect(decodePathStat(encodePathStat(s))).toEqual(s);
    expect(() => decodePathStat(undefined)).toThrow(/missing X-Docker-Container-Path-Stat/);
  });
});

describe('docker cp rules', () => {
  it('splits container and local arguments', () => {
    expect(splitCpArg('c:/etc')).toEqual({ container: 'c', path: '/etc' });
    expect(splitCpArg('./a:b')).toEqual({ path: './a:b' });
    expect(splitCpArg('/x:y')).toEqual({ path: '/x:y' });
    expect(splitCpArg('-')).toEqual({ path: '-' });
  });
  it('keeps `.` as the last component of dir/.', () => {
    expect(splitDirEntry('/a/b/.')).toEqual({ dir: '/a/b', base: '.' });
    expect(splitDirEntry('/a/b/')).toEqual({ dir: '/a', base: 'b' });
    expect(splitDirEntry('x')).toEqual({ dir: '.', base: 'x' });
  });
  it('places the source as docker does', () => {
    // into an existing directory, unchanged names
    expect(prepareArchiveCopy({ path: '/src', isDir: true }, { path: '/d', exists: true, isDir: true })).toEqual({ dir: '/d', rename: undefined });
    // a directory to a new name: extracted in the parent, renamed
    expect(prepareArchiveCopy({ path: '/src', isDir: true }, { path: '/p/new', exists: false, isDir: false })).toEqual({ dir: '/p', rename: { from: 'src', to: 'new' } });
    expect(prepareArchiveCopy({ path: '/src/.', isDir: true }, { path: '/p/new', exists: false, isDir: false })).toEqual({ dir: '/p', rename: { from: '.', to: 'new' } });
    // a file onto a file
    expect(prepareArchiveCopy({ path: '/f', isDir: false }, { path: '/p/g', exists: true, isDir: false })).toEqual({ dir: '/p', rename: { from: 'f', to: 'g' } });
    expect(() => prepareArchiveCopy({ path: '/src', isDir: true }, { path: '/p/g', exists: true, isDir: false })).toThrow('cannot copy directory');
    expect(() => prepareArchiveCopy({ path: '/f', isDir: false }, { path: '/p/nodir/', exists: false, isDir: false })).toThrow('no such directory');
  });
  it('renames the top entry of an archive', () => {
    const r = { from: 'src', to: 'new' };
    expect(rebaseName('src', r)).toBe('new');
    expect(rebaseName('src/a/b', r)).toBe('new/a/b');
    expect(rebaseName('./src/a', r)).toBe('new/a');
    expect(rebaseName('srcx/a', r)).toBe('srcx/a');
    expect(rebaseName('./a', { from: '.', to: 'new' })).toBe('new/a');
    expect(rebaseName('.', { from: '.', to: 'new' })).toBe('new');
  });
});
