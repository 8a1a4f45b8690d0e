// Contents of the container's /etc/hostname and /etc/hosts (pure; the engine writes them).

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

/** docker's default /etc/hosts, plus one line per container address naming the hostname. */
export function hostsFile(hostname: string, ips: string[]): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...ips.map((ip) => `${ip}\t${hostname}`),
  ];
  return lines.join('\n') + '\n';
}
