import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { capabilitySet, containerSecurity, hostBoundingSet, parseSecurityOpts } from '../../src/engine/security.js';
import { ALL_CAPABILITIES, capabilityMask } from '../../src/runtime/security/capabilities.js';
import { unsupportedField } from '../../src/engine/create-fields.js';

describe('container security from HostConfig (dockerd TweakCapabilities)', () => {
  it('starts from docker\'s defaults (CapEff 00000000a80425fb)', () => {
    expect(capabilityMask(capabilitySet({}))).toBe('00000000a80425fb');
  });
  it.each([
    [{ CapDrop: ['ALL'] }, '0000000000000000'],
    [{ CapDrop: ['ALL'], CapAdd: ['NET_BIND_SERVICE'] }, '0000000000000400'],
    [{ CapDrop: ['chown', 'CAP_KILL'] }, '00000000a80425da'],
    [{ CapAdd: ['SYS_ADMIN'] }, '00000000a82425fb'],
    [{ CapAdd: ['ALL'] }, '000001ffffffffff'],
    [{ Privileged: true, CapDrop: ['ALL'] }, '000001ffffffffff'],
  ])('%j gives %s', (cfg, mask) => {
    expect(capabilityMask(capabilitySet(cfg, ALL_CAPABILITIES as string[]))).toBe(mask);
  });
  it('privileged and ALL stop at the engine\'s own bounding set; naming a missing one is refused', () => {
    const bnd = hostBoundingSet('CapBnd:\t000001fffeffffff\n');
    expect(bnd).not.toContain('CAP_SYS_RESOURCE');
    expect(capabilityMask(capabilitySet({ Privileged: true }, bnd))).toBe('000001fffeffffff');
    expect(capabilityMask(capabilitySet({ CapAdd: ['ALL'] }, bnd))).toBe('000001fffeffffff');
    expect(() => capabilitySet({ CapAdd: ['SYS_RESOURCE'] }, bnd)).toThrow('cannot add capability CAP_SYS_RESOURCE');
  });
  it('refuses an unknown capability naming it', () => {
    expect(() => capabilitySet({ CapAdd: ['WIZARDRY'] })).toThrow('invalid capability: WIZARDRY');
  });
  it('reads the security options it implements and refuses the others by name', () => {
    expect(parseSecurityOpts(['no-new-privileges'])).toEqual({ noNewPrivileges: true, seccomp: undefined });
    expect(parseSecurityOpts(['no-new-privileges:false', 'seccomp=unconfined'])).toEqual({ noNewPrivileges: false, seccomp: 'unconfined' });
    expect(() => parseSecurityOpts(['apparmor=docker-default'])).toThrow('does not support --security-opt apparmor');
    expect(() => parseSecurityOpts(['label=disable'])).toThrow('--security-opt label');
    expect(() => parseSecurityOpts(['no-new-privileges=maybe'])).toThrow('invalid --security-opt');
  });
  it('privileged drops seccomp and the masked and read-only paths; unconfined drops seccomp only', async () => {
    const priv = await containerSecurity({ Privileged: true });
    expect(priv).toMatchObject({ seccomp: null, maskedPaths: [], readonlyPaths: [] });
    const unconf = await containerSecurity({ SecurityOpt: ['seccomp=unconfined'] });
    expect(unconf.seccomp).toBeNull();
    expect(unconf.maskedPaths).toContain('/proc/kcore');
  });
  it.skipIf(!existsSync('/usr/share/minidock/seccomp/default.json'))('compiles docker\'s default profile, with SYS_ADMIN\'s extra syscalls when added', async () => {
    const plain = (await containerSecurity({})).seccomp!;
    const admin = (await containerSecurity({ CapAdd: ['SYS_ADMIN'] })).seccomp!;
    expect(plain).toMatch(/^minidock-seccomp 1\ndefault errno:1\n/);
    expect(plain).not.toMatch(/^rule mount /m);
    expect(admin).toMatch(/^rule mount allow/m);
  });
  it('the create fields it reads are no longer refused', () => {
    expect(unsupportedField({ Image: 'b', HostConfig: { CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'], Privileged: true, SecurityOpt: ['no-new-privileges'] } })).toBeUndefined();
  });
});
