// IPv4 and CIDR arithmetic. Pure functions; addresses are handled as unsigned 32-bit numbers.
import { invalidArgument } from '../errors.js';

export interface Cidr {
  /** Network address (host bits cleared). */
  base: number;
  prefix: number;
}

export function parseIp(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw invalidArgument(`invalid ipv4 address: ${text}`);
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) throw invalidArgument(`invalid ipv4 address: ${text}`);
    value = value * 256 + Number(part);
  }
  return value >>> 0;
}

export function isIp(text: string): boolean {
  try { parseIp(text); return true; } catch { return false; }
}

export function formatIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `a.b.c.d/n`; host bits must be zero unless `loose` (then they are cleared). */
export function parseCidr(text: string, loose = false): Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m || Number(m[2]) > 32) throw invalidArgument(`invalid subnet: ${text}`);
  const prefix = Number(m[2]);
  const ip = parseIp(m[1]);
  const base = (ip & maskOf(prefix)) >>> 0;
  if (!loose && base !== ip) throw invalidArgument(`invalid subnet ${text}: host bits set (did you mean ${formatIp(base)}/${prefix}?)`);
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function last(c: Cidr): number {
  return (c.base + size(c) - 1) >>> 0;
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & maskOf(c.prefix)) >>> 0) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base <= last(b) && b.base <= last(a);
}

/** The n-th address of the subnet (0 = network address). */
export function nth(c: Cidr, n: number): number {
  return (c.base + n) >>> 0;
}
