import { describe, expect, it } from 'vitest';
import { renderTemplate, goFormat } from '../../src/cli/template.js';

const data = {
  Id: 'abc', State: { Pid: 42, Running: true }, Args: ['-c', 'x'],
  NetworkSettings: { IPAddress: '172.17.0.2', Networks: { bridge: { IPAddress: '172.17.0.2' }, 'my-net': { IPAddress: '10.0.0.2' } } },
  Config: { Labels: {}, Env: null },
};

describe('Go template subset', () => {
  it('walks fields', () => {
    expect(renderTemplate('{{.State.Pid}}', data)).toBe('42');
    expect(renderTemplate('{{.NetworkSettings.IPAddress}}', data)).toBe('172.17.0.2');
    expect(renderTemplate('pid={{.State.Pid}} running={{.State.Running}}', data)).toBe('pid=42 running=true');
  });
  it('prints like Go', () => {
    expect(renderTemplate('{{.Args}}', data)).toBe('[-c x]');
    expect(renderTemplate('{{.State}}', data)).toBe('map[Pid:42 Running:true]');
    expect(renderTemplate('{{.Config.Env}}', data)).toBe('<nil>');
    expect(renderTemplate('{{.Nope}}', data)).toBe('<no value>');
    expect(goFormat({})).toBe('map[]');
  });
  it('json and index', () => {
    expect(renderTemplate('{{json .State}}', data)).toBe('{"Pid":42,"Running":true}');
    expect(renderTemplate('{{json .Config.Labels}}', data)).toBe('{}');
    expect(renderTemplate('{{(index .NetworkSettings.Networks "my-net").IPAddress}}', data)).toBe('10.0.0.2');
    expect(renderTemplate('{{index .Args 1}}', data)).toBe('x');
  });
  it('rejects malformed templates', () => {
    expect(() => renderTemplate('{{.State', data)).toThrow(/unclosed action/);
    expect(() => renderTemplate('{{nope .State}}', data)).toThrow(/function "nope" not defined/);
    expect(() => renderTemplate('{{}}', data)).toThrow(/missing value/);
  });
});
