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

describe('docker template functions and control', () => {
  const row = { Names: 'web', Labels: { b: '2', a: '1' }, List: ['x', 'y'], Empty: [], Count: 3, Label: (k: unknown) => (k === 'a' ? '1' : '') };
  it('string functions', () => {
    expect(renderTemplate('{{upper .Names}} {{lower "AB"}} {{title "hello big world"}}', row)).toBe('WEB ab Hello Big World');
    expect(renderTemplate('{{join (split "a,b,c" ",") "|"}}', row)).toBe('a|b|c');
    expect(renderTemplate('{{truncate "abcdef" 3}}|{{pad .Names 2 1}}|', row)).toBe('abc|  web |');
    expect(renderTemplate('{{println .Names "x"}}', row)).toBe('web x\n');
    expect(renderTemplate('{{printf "%s=%d %-4s|" .Names .Count "ab"}}', row)).toBe('web=3 ab  |');
    expect(renderTemplate('{{len .List}} {{len .Labels}} {{len .Names}}', row)).toBe('2 2 3');
    expect(renderTemplate('{{.Names | upper}} {{.List | json}}', row)).toBe('WEB ["x","y"]');
  });
  it('if/else if/else, eq/ne, range over slices and maps, with', () => {
    expect(renderTemplate('{{if eq .Names "web"}}yes{{else}}no{{end}}', row)).toBe('yes');
    expect(renderTemplate('{{if ne .Names "web"}}a{{else if eq .Count 3}}b{{else}}c{{end}}', row)).toBe('b');
    expect(renderTemplate('{{range .List}}[{{.}}]{{end}}', row)).toBe('[x][y]');
    expect(renderTemplate('{{range .Labels}}{{.}},{{end}}', row)).toBe('1,2,');
    expect(renderTemplate('{{range .Empty}}x{{else}}none{{end}}', row)).toBe('none');
    expect(renderTemplate('{{with .Labels}}{{.a}}{{end}}{{with .Empty}}x{{else}}-{{end}}', row)).toBe('1-');
    expect(renderTemplate('{{if and .Count (not .Empty)}}t{{end}}{{if or .Empty .Nope}}x{{end}}', row)).toBe('t');
    expect(renderTemplate('a {{- " b" -}}  c', row)).toBe('a bc');
  });
  it('calls a row method with its arguments', () => {
    expect(renderTemplate('{{.Label "a"}}/{{.Label "zz"}}', row)).toBe('1/');
  });
  it('refuses what it does not support, naming it', () => {
    expect(() => renderTemplate('{{range $k, $v := .Labels}}{{end}}', row)).toThrow(/variables \(\$\) are not supported/);
    expect(() => renderTemplate('{{if .Names}}x', row)).toThrow(/unexpected EOF/);
    expect(() => renderTemplate('{{end}}', row)).toThrow(/unexpected \{\{end\}\}/);
    expect(() => renderTemplate('{{range .Count}}x{{end}}', row)).toThrow(/range can't iterate over 3/);
    expect(() => renderTemplate('{{.Names "x"}}', row)).toThrow(/can't give argument to non-function/);
  });
});
