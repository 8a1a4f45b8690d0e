// Minimal DNS wire format (RFC 1035): enough to read a query's question and to answer it
// with A records, NXDOMAIN or SERVFAIL. Pure functions over Buffers.

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const CLASS_IN = 1;
export const RCODE_NOERROR = 0;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;

export interface Question { name: string; type: number; cls: number }
export interface Query { id: number; flags: number; questions: Question[]; /** byte offset after the question section */ end: number }

export class DnsFormatError extends Error {}

function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  for (let hops = 0; hops < 64; hops++) {
    if (pos >= buf.length) throw new DnsFormatError(`name runs past the packet at offset ${pos}`);
    const len = buf[pos];
    if (len === 0) {
      if (next < 0) next = pos + 1;
      return { name: labels.join('.'), next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsFormatError('truncated compression pointer');
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1];
      continue;
    }
    if (len > 63 || pos + 1 + len > buf.length) throw new DnsFormatError(`bad label length ${len} at offset ${pos}`);
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  throw new DnsFormatError('too many compression pointers');
}

export function parseQuery(buf: Buffer): Query {
  if (buf.length < 12) throw new DnsFormatError(`packet too short: ${buf.length} bytes`);
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  const qdcount = buf.readUInt16BE(4);
  const questions: Question[] = [];
  let pos = 12;
  for (let i = 0; i < qdcount; i++) {
    const { name, next } = readName(buf, pos);
    if (next + 4 > buf.length) throw new DnsFormatError('truncated question');
    questions.push({ name, type: buf.readUInt16BE(next), cls: buf.readUInt16BE(next + 2) });
    pos = next + 4;
  }
  return { id, flags, questions, end: pos };
}

export function encodeName(name: string): Buffer {
  const parts = name.split('.').filter((p) => p.length > 0);
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const label = Buffer.from(p, 'latin1');
    if (label.length > 63) throw new DnsFormatError(`label too long in ${name}`);
    chunks.push(Buffer.from([label.length]), label);
  }
  chunks.push(Buffer.from([0]));
  return Buffer.concat(chunks);
}

export function buildQuery(id: number, name: string, type = TYPE_A): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

/**
 * Answer to `query` (its first question) with the given IPv4 addresses and rcode.
 * Answers point back at the question name with a compression pointer (offset 12).
 */
export function buildResponse(query: Query, opts: { rcode: number; addresses?: string[]; ttl?: number; authoritative?: boolean }): Buffer {
  const q = query.questions[0];
  const addresses = opts.addresses ?? [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id, 0);
  const rd = query.flags & 0x0100;
  const opcode = query.flags & 0x7800;
  header.writeUInt16BE(0x8000 | opcode | (opts.authoritative ? 0x0400 : 0) | rd | 0x0080 | (opts.rcode & 0xf), 2);
  header.writeUInt16BE(q ? 1 : 0, 4);
  header.writeUInt16BE(addresses.length, 6);
  const parts: Buffer[] = [header];
  if (q) {
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(q.type, 0);
    tail.writeUInt16BE(q.cls, 2);
    parts.push(encodeName(q.name), tail);
  }
  for (const ip of addresses) {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(opts.ttl ?? 600, 6);
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((b, i) => rr.writeUInt8(Number(b), 12 + i));
    parts.push(rr);
  }
  return Buffer.concat(parts);
}

/** Reads the rcode and A records of a response (used by tests and the forwarder's checks). */
export function parseResponse(buf: Buffer): { id: number; rcode: number; addresses: string[] } {
  const q = parseQuery(buf);
  const ancount = buf.readUInt16BE(6);
  const addresses: string[] = [];
  let pos = q.end;
  for (let i = 0; i < ancount; i++) {
    const { next } = readName(buf, pos);
    if (next + 10 > buf.length) throw new DnsFormatError('truncated answer');
    const type = buf.readUInt16BE(next);
    const rdlen = buf.readUInt16BE(next + 8);
    const rdata = next + 10;
    if (rdata + rdlen > buf.length) throw new DnsFormatError('truncated rdata');
    if (type === TYPE_A && rdlen === 4) addresses.push([...buf.subarray(rdata, rdata + 4)].join('.'));
    pos = rdata + rdlen;
  }
  return { id: q.id, rcode: q.flags & 0xf, addresses };
}
