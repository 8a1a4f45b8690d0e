import { describe, expect, it } from 'vitest';
import { formatList } from '../../src/cli/format.js';
import { filterFlags } from '../../src/cli/filters.js';

describe('--format for lists', () => {
  const items = [{ ID: 'abc', Names: 'web', Status: 'Up 2 seconds' }, { ID: 'defg', Names: 'db', Status: 'Exited (0)' }];
  const headers = { ID: 'CONTAINER ID', Names: 'NAMES', Status: 'STATUS' };

  it('renders a template per item, or a table with column names and aligned tab-separated columns', async () => {
    expect(await formatList('{{.Names}}:{{.ID}}', items, headers)).toBe('web:abc\ndb:defg\n');
    expect(await formatList('table {{.ID}}\t{{.Names}}', items, headers)).toBe('CONTAINER ID   NAMES\nabc            web\ndefg           db\n');
    // the shell passes \t literally, as docker's CLI accepts it
    expect(await formatList('table {{.Names}}\\t{{.Status}}', items, headers)).toBe('NAMES     STATUS\nweb       Up 2 seconds\ndb        Exited (0)\n');
    expect(await formatList('table', items, headers)).toBeUndefined(); // the command's own table
  });

  it('parses repeated --filter k=v into the API map, refusing a value-less one', () => {
    expect(filterFlags(['status=exited', 'label=a=b', 'status=created'])).toEqual({ status: ['exited', 'created'], label: ['a=b'] });
    expect(() => filterFlags(['status'])).toThrow(/bad format of filter/);
  });
});
