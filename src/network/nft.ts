// nftables script builders (pure) for minidock's own table. Everything minidock adds lives
// in one `table ip <name>`; per-network rules sit in per-network chains reached through
// verdict maps keyed by bridge name or subnet, and published ports are elements of two
// DNAT maps, so teardown deletes exact keys and never needs rule handles.

export interface FwNetwork {
  /** First 12 hex chars of the network id; names the per-network chains. */
  key: string;
  name: string;
  bridge: string;
  subnet: string;
  internal: boolean;
}

export interface FwPort {
  hostIp: string; /* '' = every local address */
  hostPort: number;
  proto: 'tcp' | 'udp';
  containerIp: string;
  containerPort: number;
  /** Container the mapping belongs to; tags the map element. */
  owner: string;
}

const q = (s: string) => `"${s.replace(/["\\]/g, '')}"`;
const chain = (net: FwNetwork, part: 'in' | 'out' | 'post' | 'src') => `nw_${net.key}_${part}`;

/** The table skeleton: base chains hooked into netfilter, and the maps they consult. */
export function skeleton(table: string, extraChains: string[] = []): string {
  return [
    `table ip ${table} {`,
    `  map fwd_in { type ifname : verdict; }`,
    `  map fwd_out { type ifname : verdict; }`,
    `  map post_out { type ifname : verdict; }`,
    `  map post_src { type ipv4_addr : verdict; flags interval; }`,
    `  map dnat_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }`,
    `  map dnat_any { type inet_proto . inet_service : ipv4_addr . inet_service; }`,
    `  chain prerouting {`,
    `    type nat hook prerouting priority dstnat; policy accept;`,
    `    meta l4proto { tcp, udp } dnat ip to ip daddr . meta l4proto . th dport map @dnat_ip comment "minidock:published ports on one address"`,
    `    meta l4proto { tcp, udp } fib daddr type local dnat ip to meta l4proto . th dport map @dnat_any comment "minidock:published ports on all addresses"`,
    `  }`,
    `  chain output {`,
    `    type nat hook output priority -100; policy accept;`,
    `    meta l4proto { tcp, udp } dnat ip to ip daddr . meta l4proto . th dport map @dnat_ip comment "minidock:published ports from the host"`,
    `    meta l4proto { tcp, udp } fib daddr type local dnat ip to meta l4proto . th dport map @dnat_any comment "minidock:published ports from the host"`,
    `  }`,
    `  chain postrouting {`,
    `    type nat hook postrouting priority srcnat; policy accept;`,
    `    oifname vmap @post_out`,
    `    ip saddr vmap @post_src`,
    `  }`,
    `  chain forward {`,
    `    type filter hook forward priority filter; policy accept;`,
    // First, so bulk traffic of an accepted connection matches one rule and skips the maps.
    `    ct state established,related accept`,
    `    oifname vmap @fwd_out`,
    `    iifname vmap @fwd_in`,
    `  }`,
    `  chain raw_prerouting {`,
    `    type filter hook prerouting priority raw; policy accept;`,
    // Runs for every IPv4 packet (bridged ones too under br_netfilter): the address test comes
    // first, so the common non-127/8 packet stops after one 1-byte load and compare.
    `    ip daddr 127.0.0.0/8 iifname != "lo" drop comment "minidock:127.0.0.1 published ports stay local"`,
    `  }`,
    ...extraChains,
    `}`,
  ].join('\n') + '\n';
}

/** The per-network chains, as lines inside a `table ip <name> { }` block. */
function networkChains(net: FwNetwork): string[] {
  const tag = q(`minidock:network ${net.name}`);
  const br = q(net.bridge);
  const lines = [
    // Leaving the bridge: to the same bridge always; elsewhere only when not internal.
    `  chain ${chain(net, 'in')} {`,
    `    oifname ${br} accept comment ${tag}`,
    `    ${net.internal ? 'drop' : 'accept'} comment ${tag}`,
    `  }`,
    // Entering the bridge from elsewhere: only published (DNAT'ed) traffic; replies were accepted earlier.
    `  chain ${chain(net, 'out')} {`,
    `    iifname ${br} accept comment ${tag}`,
    `    ct status dnat accept comment ${tag}`,
    `    drop comment ${tag}`,
    `  }`,
    // Into the bridge: hairpin (container to its own published port) and 127.0.0.1-sourced published traffic need a routable source.
    `  chain ${chain(net, 'post')} {`,
    `    ip saddr ${net.subnet} ct status dnat masquerade comment ${tag}`,
    `    ip saddr 127.0.0.0/8 masquerade comment ${tag}`,
    `  }`,
  ];
  if (!net.internal) {
    // Leaving through any other interface: masquerade behind the host's address.
    lines.push(`  chain ${chain(net, 'src')} {`, `    oifname != ${br} masquerade comment ${tag}`, `  }`);
  }
  return lines;
}

function networkElements(table: string, net: FwNetwork): string[] {
  const br = q(net.bridge);
  const lines = [
    `add element ip ${table} fwd_in { ${br} : jump ${chain(net, 'in')} }`,
    `add element ip ${table} fwd_out { ${br} : jump ${chain(net, 'out')} }`,
    `add element ip ${table} post_out { ${br} : jump ${chain(net, 'post')} }`,
  ];
  if (!net.internal) lines.push(`add element ip ${table} post_src { ${net.subnet} : jump ${chain(net, 'src')} }`);
  return lines;
}

const networkParts = (net: FwNetwork): ('in' | 'out' | 'post' | 'src')[] => (net.internal ? ['in', 'out', 'post'] : ['in', 'out', 'post', 'src']);

/**
 * Makes sure the network's own chains exist and are empty, so addNetwork (which appends
 * rules) can run again without doubling them. Only our per-network chains are flushed.
 */
export function resetNetworkChains(table: string, net: FwNetwork): string {
  return networkParts(net).map((part) => `add chain ip ${table} ${chain(net, part)}
flush chain ip ${table} ${chain(net, part)}
`).join('');
}

/** Chains and map elements of one network, added to an existing table. */
export function addNetwork(table: string, net: FwNetwork): string {
  return [`table ip ${table} {`, ...networkChains(net), `}`, ...networkElements(table, net)].join('\n') + '\n';
}

/** Statements undoing addNetwork, one per line so a runner can retry them one by one. */
export function removeNetwork(table: string, net: FwNetwork): string[] {
  const br = q(net.bridge);
  const out = [
    `delete element ip ${table} fwd_in { ${br} }`,
    `delete element ip ${table} fwd_out { ${br} }`,
    `delete element ip ${table} post_out { ${br} }`,
  ];
  if (!net.internal) out.push(`delete element ip ${table} post_src { ${net.subnet} }`);
  for (const part of networkParts(net)) out.push(`delete chain ip ${table} ${chain(net, part)}`);
  return out;
}

function portElement(p: FwPort, withValue: boolean): string {
  const key = p.hostIp ? `${p.hostIp} . ${p.proto} . ${p.hostPort}` : `${p.proto} . ${p.hostPort}`;
  return withValue ? `${key} comment ${q(`minidock:container ${p.owner}`)} : ${p.containerIp} . ${p.containerPort}` : key;
}

const portMap = (p: FwPort) => (p.hostIp ? 'dnat_ip' : 'dnat_any');

export function addPorts(table: string, ports: readonly FwPort[]): string {
  return ports.map((p) => `add element ip ${table} ${portMap(p)} { ${portElement(p, true)} }\n`).join('');
}

export function removePorts(table: string, ports: readonly FwPort[]): string[] {
  return ports.map((p) => `delete element ip ${table} ${portMap(p)} { ${portElement(p, false)} }`);
}

/**
 * The whole table rebuilt from state in one transaction: `add` then `delete` makes the
 * delete safe when the table is absent, and the new content replaces the old atomically.
 */
export function rebuild(table: string, nets: readonly FwNetwork[], ports: readonly FwPort[]): string {
  // Network chains go in the same block as the maps: nft 1.0.6 cannot resolve an interval
  // map element's jump target defined in a second block of a table created in the same batch.
  return `add table ip ${table}\ndelete table ip ${table}\n` + skeleton(table, nets.flatMap(networkChains))
    + nets.flatMap((n) => networkElements(table, n)).map((l) => l + '\n').join('') + addPorts(table, ports);
}
