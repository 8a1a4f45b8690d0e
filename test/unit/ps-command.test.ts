// The ps COMMAND column end to end: the engine's Command string (moby container/view.go) and
// the CLI's cell (docker/cli Ellipsis + strconv.Quote). Rows were checked against docker 20.10.
import { describe, expect, it } from 'vitest';
import { commandLine } from '../../src/engine/inspect.js';
import { ellipsis, formatCommand, goQuote } from '../../src/cli/format.js';

describe('commandLine (moby list Command)', () => {
  const table: { args: string[]; command: string; cell: string; full: string }[] = [
    { args: ['sh', '-c', 'exit 3'], command: "sh -c 'exit 3'", cell: `"sh -c 'exit 3'"`, full: `"sh -c 'exit 3'"` },
    { args: ['sh'], command: 'sh', cell: '"sh"', full: '"sh"' },
    { args: ['sh', '-c', 'while true; do sleep 1; done'], command: "sh -c 'while true; do sleep 1; done'",
      cell: `"sh -c 'while true; …"`, full: `"sh -c 'while true; do sleep 1; done'"` },
    // only a space triggers the quotes; a quote inside stays as it is
    { args: ['echo', "it's here"], command: "echo 'it's here'", cell: `"echo 'it's here'"`, full: `"echo 'it's here'"` },
    { args: ['echo', 'a"b', 'x\ty'], command: 'echo a"b x\ty', cell: '"echo a\\"b x\\ty"', full: '"echo a\\"b x\\ty"' },
    { args: ['echo', '日本語日本語日本語日本語'], command: 'echo 日本語日本語日本語日本語', cell: '"echo 日本語日本語日…"', full: '"echo 日本語日本語日本語日本語"' },
    // the path itself is never quoted
    { args: ['/my app/run', 'x'], command: '/my app/run x', cell: '"/my app/run x"', full: '"/my app/run x"' },
  ];
  for (const t of table) {
    it(JSON.stringify(t.args), () => {
      expect(commandLine(t.args)).toBe(t.command);
      expect(formatCommand(commandLine(t.args), false)).toBe(t.cell);
      expect(formatCommand(commandLine(t.args), true)).toBe(t.full);
    });
  }
});

describe('ellipsis and goQuote', () => {
  it('cuts to display columns, wide characters counting two', () => {
    expect(ellipsis('12345678901234567890', 20)).toBe('12345678901234567890');
    expect(ellipsis('123456789012345678901', 20)).toBe('1234567890123456789…');
    expect(ellipsis('日本語', 6)).toBe('日本語');
    expect(ellipsis('日本語x', 6)).toBe('日本…');
    expect(ellipsis('abc', 0)).toBe('');
  });
  it('quotes like Go strconv.Quote', () => {
    expect(goQuote('a "q" \\ b')).toBe('"a \\"q\\" \\\\ b"');
    expect(goQuote('\n\t\r\x07\x00\x7f')).toBe('"\\n\\t\\r\\a\\x00\\x7f"');
    expect(goQuote('é日\u200b')).toBe('"é日\\u200b"');
  });
});
