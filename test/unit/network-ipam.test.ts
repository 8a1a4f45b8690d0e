import { describe, expect, it } from 'vitest';
import { allocateIp, defaultGateway, macForIp, validateGateway } from '../../src/network/ipam.js';

const base = { network: 'n1', subnet: '10.0.0.0/29', gateway: '10.0.0.1' };

describe('ipam', () => {
  it('takes the first host address as gateway', () => {
    expect(defaultGateway('172.18.0.0/16')).toBe('172.18.0.1');
  });
  it('validates an explicit gateway', () => {
    expect(validateGateway('10.0.0.0/24', '10.0.0.254')).toBe('10.0.0.254');
    expect(() => validateGateway('10.0.0.0/24', '10.0.1.1')).toThrow('gateway 10.0.1.1 is not a usable address of subnet 10.0.0.0/24');
    expect(() => validateGateway('10.0.0.0/24', '10.0.0.255')).toThrow(/not a usable/);
  });
  it('hands out the lowest free address, skipping network, gateway, broadcast and taken', () => {
    expect(allocateIp({ ...base, taken: [] })).toBe('10.0.0.2');
    expect(allocateIp({ ...base, taken: ['10.0.0.2', '10.0.0.3'] })).toBe('10.0.0.4');
    expect(allocateIp({ ...base, gateway: '10.0.0.6', taken: [] })).toBe('10.0.0.1');
    expect(() => allocateIp({ ...base, taken: ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'] })).toThrow('no free address left in subnet 10.0.0.0/29 of network n1');
  });
  it('checks a requested address', () => {
    expect(allocateIp({ ...base, taken: ['10.0.0.2'], requested: '10.0.0.5' })).toBe('10.0.0.5');
    for (const ip of ['10.0.0.0', '10.0.0.1', '10.0.0.7', '10.0.0.2']) {
      expect(() => allocateIp({ ...base, taken: ['10.0.0.2'], requested: ip })).toThrow(expect.objectContaining({ code: 'AddressInUse', message: `address ${ip} already in use on network n1` }));
    }
    expect(() => allocateIp({ ...base, taken: [], requested: '10.0.1.2' })).toThrow('address 10.0.1.2 is not in subnet 10.0.0.0/29 of network n1');
    expect(() => allocateIp({ ...base, taken: [], requested: 'nope' })).toThrow('invalid ipv4 address: nope');
  });
  it('derives docker-style MACs', () => {
    expect(macForIp('172.17.0.2')).toBe('02:42:ac:11:00:02');
  });
});
