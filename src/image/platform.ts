// Picking the manifest for this machine out of an index / manifest list. Never "the first
// entry": os must be linux, architecture the Go name of process.arch, variant matching for arm.
import { MinidockError } from '../errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const GO_ARCH: Record<string, string> = {
  x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x',
  riscv64: 'riscv64', mips: 'mips', mipsel: 'mipsle', loong64: 'loong64',
};

export function hostPlatform(arch: string = process.arch, armVersion: string | undefined = (process.config.variables as Record<string, unknown>).arm_version as string | undefined): Platform {
  const architecture = GO_ARCH[arch] ?? arch;
  if (architecture === 'arm64') return { os: 'linux', architecture, variant: 'v8' };
  if (architecture === 'arm') return { os: 'linux', architecture, variant: `v${armVersion ?? '7'}` };
  return { os: 'linux', architecture };
}

export const formatPlatform = (p: Partial<Platform>) => `${p.os ?? '?'}/${p.architecture ?? '?'}${p.variant ? `/${p.variant}` : ''}`;

/** Variants a host can run, best first (containerd's platforms.Only: arm v7 runs v6, v5). */
function acceptableVariants(p: Platform): (string | undefined)[] {
  if (p.architecture === 'arm64') return ['v8', undefined];
  if (p.architecture === 'arm') {
    const v = Number((p.variant ?? 'v7').slice(1));
    const out: string[] = [];
    for (let i = v; i >= 5; i--) out.push(`v${i}`);
    return out;
  }
  return [undefined];
}

/** Index of the best entry for `want`, or -1. An unset variant matches when the host's default is acceptable. */
export function selectPlatform(entries: { platform?: Partial<Platform> }[], want: Platform): number {
  const variants = acceptableVariants(want);
  let best = -1;
  let bestRank = Infinity;
  entries.forEach((e, i) => {
    const p = e.platform;
    if (!p || p.os !== want.os || p.architecture !== want.architecture) return;
    // a missing variant on arm64 means v8; on arm it is treated as the weakest match
    let rank = variants.indexOf(p.variant || undefined);
    if (rank === -1 && !p.variant) rank = variants.length;
    if (rank === -1) return;
    if (rank < bestRank) { best = i; bestRank = rank; }
  });
  return best;
}

export class NoMatchingPlatform extends MinidockError {
  constructor(reference: string, want: Platform, available: Partial<Platform>[]) {
    super('ManifestUnknown', `no matching manifest for ${formatPlatform(want)} in the manifest list entries of ${reference} (available: ${available.map(formatPlatform).join(', ') || 'none'})`, { status: 404 });
  }
}
