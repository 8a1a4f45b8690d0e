// The parity scenarios: each runs the same argv under docker and minidock.
// Placeholders are documented in types.ts.
import type { CliStep, HostStep, Scenario, StepResult } from './types.js';

const cli = (label: string, argv: string[], extra: Partial<CliStep> = {}): CliStep => ({ kind: 'cli', label, argv, ...extra });
const host = (label: string, cmd: string, args: string[], extra: Partial<HostStep> = {}): HostStep => ({ kind: 'host', label, cmd, args, ...extra });

const exitOnly: Partial<CliStep> = { compare: ['exit', 'stderr-empty'] };
const IMG = '{image}';

/** The page every test web server serves. */
export const PAGE = 'hello-parity';
const serve = (port: number) => ['sh', '-c', `mkdir -p /srv && echo ${PAGE} > /srv/index.html && exec httpd -f -p ${port} -h /srv`];
/** An HTTP/1.0 GET with busybox nc, from inside a container. */
const fetchIn = (target: string, port: string | number) => ['sh', '-c', `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${target} ${port}`];

export const reach = (r: StepResult) => (r.exit === 0 && r.stdout.includes(PAGE) ? 'reachable' : 'unreachable');
/**
 * An automatic subnet's prefix is the engine's history, not its behaviour: docker takes its pools
 * in turn (172.17-31.0.0/16, then 192.168.0.0/20 slices) and a long-running dockerd goes on past
 * the pools it used before, even once they are free again (seen: /20 after an hour of tests).
 */
const poolPrefix = (r: StepResult) => r.stdout.replace(/(<ip\d+>)\/(16|20)\b/g, '$1/<pool>');
const untilReachable = { times: 10, delayMs: 500, until: (r: StepResult) => reach(r) === 'reachable' };
/** busybox nslookup prints "Name: x" then "Address: ip" (or "Address 1: ip") when it resolved. */
export const resolved = (r: StepResult) =>
  (r.exit === 0 && /Name:\s*\S+[\s\S]*Address(?: \d+)?:\s*(?:<ip\d+>|\d+\.\d+\.\d+\.\d+)/.test(r.stdout) ? 'resolved' : 'not-resolved');

/** The privilege lines of /proc/self/status, in a fixed order. */
const privileges = ['sh', '-c', 'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):" /proc/self/status'];

export const scenarios: Scenario[] = [
  {
    id: 'exit-codes',
    title: 'run exit codes (0, 1, 3, 125 flag/image, 126, 127, 137, 143)',
    steps: [
      cli('true', ['run', '--rm', IMG, 'true'], { ...exitOnly, expect: { exit: 0 } }),
      cli('exit 1', ['run', '--rm', IMG, 'sh', '-c', 'exit 1'], { ...exitOnly, expect: { exit: 1 } }),
      cli('exit 3', ['run', '--rm', IMG, 'sh', '-c', 'exit 3'], { ...exitOnly, expect: { exit: 3 } }),
      cli('unknown flag', ['run', '--rm', '--no-such-flag', IMG, 'true'], { ...exitOnly, expect: { exit: 125 } }),
      cli('missing image', ['run', '--rm', 'localhost:5000/e-parity-missing:nope', 'true'], { ...exitOnly, expect: { exit: 125 } }),
      cli('not executable', ['run', '--rm', IMG, '/etc/passwd'], { ...exitOnly, expect: { exit: 126 } }),
      cli('missing command', ['run', '--rm', IMG, 'no-such-command'], { ...exitOnly, expect: { exit: 127 } }),
      // PID 1 ignores signals sent from inside its namespace, so a child is killed and sh reports it.
      cli('SIGKILL death', ['run', '--rm', IMG, 'sh', '-c', 'sleep 100 & kill -9 $!; wait $!'], { ...exitOnly, expect: { exit: 137 } }),
      cli('SIGTERM death', ['run', '--rm', IMG, 'sh', '-c', 'sleep 100 & kill -TERM $!; wait $!'], { ...exitOnly, expect: { exit: 143 } }),
    ],
  },
  {
    id: 'process-defaults',
    title: 'image defaults: env, pwd, id, hostname',
    steps: [
      cli('env', ['run', '--rm', IMG, 'env'], { sortLines: true, expect: { stdout: /PATH=/ } }),
      cli('pwd', ['run', '--rm', IMG, 'pwd'], { expect: { stdout: /^\/$/ } }),
      cli('id', ['run', '--rm', IMG, 'id'], { expect: { stdout: /uid=0\(root\)/ } }),
      cli('hostname', ['run', '--rm', IMG, 'hostname'], { expect: { stdout: /^<id>$/ } }),
      cli('default cmd', ['run', '--rm', '-i', IMG], { stdin: 'echo from-default-sh\n', expect: { stdout: /from-default-sh/ } }),
    ],
  },
  {
    id: 'process-overrides',
    title: 'overrides: -u, -w, --entrypoint, -e, --hostname, -i, stdout/stderr',
    steps: [
      cli('-u nobody', ['run', '--rm', '-u', 'nobody', IMG, 'id'], { expect: { stdout: /uid=65534\(nobody\)/ } }),
      cli('-u 1234:5678', ['run', '--rm', '-u', '1234:5678', IMG, 'id'], { expect: { stdout: /uid=1234 gid=5678/ } }),
      cli('-w /tmp', ['run', '--rm', '-w', '/tmp', IMG, 'pwd'], { expect: { stdout: /^\/tmp$/ } }),
      cli('-w new dir', ['run', '--rm', '-w', '/made/by/workdir', IMG, 'pwd'], { expect: { stdout: /^\/made\/by\/workdir$/ } }),
      cli('--entrypoint', ['run', '--rm', '--entrypoint', 'echo', IMG, 'hello', 'world'], { expect: { stdout: /^hello world$/ } }),
      cli('-e A=1', ['run', '--rm', '-e', 'A=1', '-e', 'B=two words', IMG, 'sh', '-c', 'echo "$A|$B"'], { expect: { stdout: /^1\|two words$/ } }),
      cli('-e in env', ['run', '--rm', '-e', 'A=1', IMG, 'env'], { sortLines: true, expect: { stdout: /A=1/ } }),
      cli('--hostname', ['run', '--rm', '--hostname', 'h1', IMG, 'sh', '-c', 'hostname; cat /etc/hostname'], { expect: { stdout: /^h1\nh1$/ } }),
      cli('stdout/stderr', ['run', '--rm', IMG, 'sh', '-c', 'echo out; echo err >&2'], { compare: ['exit', 'stdout', 'stderr'], expect: { stdout: /^out$/, stderr: /^err$/ } }),
      cli('-i stdin', ['run', '--rm', '-i', IMG, 'cat'], { stdin: 'line1\nline2\n', expect: { stdout: /^line1\nline2$/ } }),
    ],
  },
  {
    id: 'security',
    title: 'capabilities, no_new_privs and seccomp: the default and each flag',
    steps: [
      cli('default', ['run', '--rm', IMG, ...privileges], { expect: { stdout: /CapEff:\t00000000a80425fb[\s\S]*Seccomp:\t2/ } }),
      cli('-u 1000', ['run', '--rm', '-u', '1000', IMG, ...privileges], { expect: { stdout: /CapEff:\t0000000000000000/ } }),
      cli('--cap-drop ALL --cap-add NET_BIND_SERVICE', ['run', '--rm', '--cap-drop', 'ALL', '--cap-add', 'NET_BIND_SERVICE', IMG, ...privileges], { expect: { stdout: /CapBnd:\t0000000000000400/ } }),
      cli('--cap-drop chown', ['run', '--rm', '--cap-drop', 'chown', IMG, ...privileges], { expect: { stdout: /CapEff:\t00000000a80425fa/ } }),
      cli('--cap-add SYS_ADMIN', ['run', '--rm', '--cap-add', 'SYS_ADMIN', IMG, ...privileges], { expect: { stdout: /CapEff:\t00000000a82425fb/ } }),
      cli('no-new-privileges', ['run', '--rm', '--security-opt', 'no-new-privileges', IMG, ...privileges], { expect: { stdout: /NoNewPrivs:\t1/ } }),
      cli('seccomp=unconfined', ['run', '--rm', '--security-opt', 'seccomp=unconfined', IMG, ...privileges], { expect: { stdout: /Seccomp:\t0/ } }),
      cli('exec', ['exec', '{n:sec}', ...privileges], { expect: { stdout: /CapEff:\t00000000a80425fb[\s\S]*Seccomp:\t2/ } }),
      cli('unshare refused', ['run', '--rm', IMG, 'unshare', '-r', 'true'], { compare: ['exit'] }),
      cli('bad capability', ['run', '--rm', '--cap-add', 'WIZARDRY', IMG, 'true'], { ...exitOnly, compare: ['exit'], expect: { exit: 125 } }),
    ],
    setup: [cli('up', ['run', '-d', '--name', '{n:sec}', IMG, 'sleep', '600'])],
  },
  {
    id: 'restart-policy',
    title: 'restart policies: on-failure:N counts and gives up, unless-stopped stays stopped, --rm conflicts',
    setup: [
      cli('crasher', ['run', '-d', '--name', '{n:rs}', '--restart', 'on-failure:2', IMG, 'sh', '-c', 'exit 3'], { waitMs: 4000 }),
      cli('unless-stopped', ['run', '-d', '--name', '{n:us}', '--restart', 'unless-stopped', IMG, 'sleep', '600']),
    ],
    steps: [
      cli('on-failure:2 gave up', ['inspect', '-f', '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}', '{n:rs}'], { expect: { stdout: /^2 exited 3 on-failure 2$/ } }),
      cli('stop unless-stopped', ['stop', '-t', '0', '{n:us}'], { compare: ['exit'], waitMs: 1500 }),
      cli('stays stopped', ['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', '{n:us}'], { expect: { stdout: /^exited 0$/ } }),
      cli('--rm with --restart', ['run', '--rm', '--restart', 'always', IMG, 'true'], { ...exitOnly, compare: ['exit'], expect: { exit: 125 } }),
      cli('bad policy', ['run', '--rm', '--restart', 'sometimes', IMG, 'true'], { ...exitOnly, compare: ['exit'], expect: { exit: 125 } }),
    ],
  },
  {
    id: 'events',
    title: 'events of a container\'s life, filtered by container, in docker\'s order and fields',
    setup: [
      cli('run', ['run', '--name', '{n:ev}', IMG, 'sh', '-c', 'exit 3'], { compare: ['exit'] }),
      cli('run -d', ['run', '-d', '--name', '{n:evd}', IMG, 'sleep', '600']),
      cli('stop', ['stop', '-t', '1', '{n:evd}']),
      cli('rm', ['rm', '{n:ev}', '{n:evd}'], { waitMs: 3000 }),
    ],
    steps: [
      cli('attached run', ['events', '--since', '5m', '--until', '1s', '--filter', 'container={n:ev}', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.exitCode}}'], { expect: { stdout: /container die 3/ } }),
      cli('detached, stopped', ['events', '--since', '5m', '--until', '1s', '--filter', 'container={n:evd}', '--filter', 'event=die', '--filter', 'event=stop', '--filter', 'event=kill', '--format', '{{.Action}} {{.Actor.Attributes.signal}}{{.Actor.Attributes.exitCode}}'], { expect: { stdout: /die/ } }),
      cli('json', ['events', '--since', '5m', '--until', '1s', '--filter', 'container={n:ev}', '--filter', 'event=create', '--format', '{{json .Actor.Attributes}}'], { expect: { stdout: /"name":"ev"/ } }),
    ],
  },
  {
    id: 'services',
    title: 'shared network namespace, healthchecks, --init, bounded logs, --add-host, rename',
    setup: [
      cli('owner', ['run', '-d', '--name', '{n:own}', IMG, ...serve(8080)]),
      cli('healthy', ['run', '-d', '--name', '{n:hc}', '--health-cmd', 'true', '--health-interval', '1s', IMG, 'sleep', '600']),
      cli('unhealthy', ['run', '-d', '--name', '{n:uh}', '--health-cmd', 'false', '--health-interval', '1s', '--health-retries', '2', IMG, 'sleep', '600'], { waitMs: 4000 }),
      cli('chatty', ['run', '--name', '{n:lg2}', '--log-opt', 'max-size=10k', '--log-opt', 'max-file=2', IMG, 'sh', '-c', 'i=0; while [ $i -lt 3000 ]; do echo line$i; i=$((i+1)); done'], { compare: ['exit'] }),
    ],
    steps: [
      cli('loopback in a shared netns', ['run', '--rm', '--network', 'container:{n:own}', IMG, ...fetchIn('127.0.0.1', 8080)], { compare: ['outcome'], outcome: reach, retry: untilReachable, expect: { outcome: 'reachable' } }),
      cli('healthy', ['inspect', '-f', '{{.State.Health.Status}} {{.State.Health.FailingStreak}}', '{n:hc}'], { expect: { stdout: /^healthy 0$/ } }),
      cli('unhealthy', ['inspect', '-f', '{{.State.Health.Status}}', '{n:uh}'], { expect: { stdout: /^unhealthy$/ } }),
      cli('ps health', ['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}'], { compare: ['exit', 'outcome'], outcome: (r) => (r.stdout.split('\n').filter(Boolean).length === 1 ? 'one' : `other: ${r.stdout}`), expect: { outcome: 'one' } }),
      // docker's init is docker-init (tini), minidock's shim init names itself the same; the tool's name is normalised away
      cli('--init is PID 1', ['run', '--rm', '--init', IMG, 'sh', '-c', 'cat /proc/1/comm'], {
        compare: ['exit', 'outcome'], outcome: (r) => (/^(<tool>|docker)-init$/.test(r.stdout.trim()) ? 'init' : `other: ${r.stdout}`), expect: { outcome: 'init' },
      }),
      cli('bounded log keeps the end', ['logs', '--tail', '2', '{n:lg2}'], { expect: { stdout: /^line2998\nline2999$/ } }),
      cli('log driver none', ['run', '--name', '{n:nolog}', '--log-driver', 'none', IMG, 'echo', 'x'], { compare: ['exit', 'stdout'] }),
      cli('logs of none', ['logs', '{n:nolog}'], { compare: ['exit'], expect: { exit: 1 } }),
      cli('--add-host', ['run', '--rm', '--add-host', 'myhost:10.1.2.3', IMG, 'grep', 'myhost', '/etc/hosts'], { expect: { stdout: /^<ip1>\s+myhost$/ } }),
      cli('rename', ['rename', '{n:hc}', '{n:hc2}'], { compare: ['exit', 'stdout'] }),
      cli('renamed', ['inspect', '-f', '{{.Name}}', '{n:hc2}'], { expect: { stdout: /^\/hc2$/ } }),
    ],
  },
  {
    id: 'resources',
    title: 'cgroup limits: what inspect, update and stats report; OOM kill and pids limit as the container meets them',
    setup: [
      cli('limited', ['run', '-d', '--name', '{n:lim}', '-m', '64m', '--cpus', '0.5', '--cpu-shares', '512', '--cpuset-cpus', '0', '--pids-limit', '100', IMG, 'sleep', '600']),
    ],
    steps: [
      cli('inspect limits', ['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} {{.HostConfig.PidsLimit}}', '{n:lim}'], { expect: { stdout: /^67108864 / } }),
      cli('stats limit', ['stats', '--no-stream', '--format', '{{.MemUsage}}', '{n:lim}'], {
        compare: ['exit', 'outcome'], outcome: (r) => r.stdout.split('/')[1]?.trim() ?? `no limit in: ${r.stdout}`, expect: { outcome: '64MiB' },
      }),
      cli('own cgroup seen', ['exec', '{n:lim}', 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; touch /sys/fs/cgroup/memory/x 2>/dev/null || echo read-only'], { expect: { stdout: /^67108864\n100\nread-only$/ } }),
      cli('update', ['update', '-m', '32m', '--memory-swap', '64m', '{n:lim}'], { compare: ['exit'], expect: { exit: 0 } }),
      cli('inspect after update', ['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}', '{n:lim}'], { expect: { stdout: /^33554432 67108864$/ } }),
      cli('OOM kill', ['run', '--name', '{n:oom}', '-m', '8m', '--memory-swap', '8m', IMG, 'tail', '/dev/zero'], { ...exitOnly, compare: ['exit'], expect: { exit: 137 } }),
      cli('OOMKilled', ['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', '{n:oom}'], { expect: { stdout: /^true 137$/ } }),
      cli('pids limit', ['run', '--rm', '--pids-limit', '4', IMG, 'sh', '-c', 'for i in 1 2 3 4 5 6; do sleep 2 & done; wait'], {
        compare: ['outcome'], outcome: (r) => (/can't fork|Resource temporarily unavailable/.test(r.stderr) ? 'fork refused' : `forked: ${r.exit} ${r.stderr}`), expect: { outcome: 'fork refused' },
      }),
    ],
  },
  {
    id: 'logs',
    title: 'logs keeps stdout and stderr apart',
    setup: [cli('start', ['run', '-d', '--name', '{n:lg}', IMG, 'sh', '-c', 'echo out1; echo err1 >&2; echo out2'], { waitMs: 1500 })],
    steps: [
      cli('logs', ['logs', '{n:lg}'], { compare: ['exit', 'stdout', 'stderr'], expect: { stdout: /^out1\nout2$/, stderr: /^err1$/ } }),
    ],
  },
  {
    id: 'ps',
    title: 'ps / ps -a header and status wording',
    setup: [
      cli('up', ['run', '-d', '--name', '{n:up}', IMG, 'sleep', '600']),
      cli('ex0', ['run', '--name', '{n:ex0}', IMG, 'true']),
      cli('ex3', ['run', '--name', '{n:ex3}', IMG, 'sh', '-c', 'exit 3'], { compare: ['exit'] }),
      cli('cr', ['create', '--name', '{n:cr}', IMG, 'true']),
    ],
    steps: [
      cli('ps', ['ps'], { table: true, rowsFor: ['up', 'ex0', 'ex3', 'cr'], expect: { stdout: /Up <duration> \| up/ } }),
      cli('ps -a', ['ps', '-a'], { table: true, rowsFor: ['up', 'ex0', 'ex3', 'cr'], sortLines: true, expect: { stdout: /Exited \(3\)/ } }),
      cli('kill', ['kill', '{n:up}'], { compare: ['exit'], waitMs: 500 }),
      cli('ps -a after kill', ['ps', '-a'], { table: true, rowsFor: ['up'], expect: { stdout: /Exited \(137\)/ } }),
      cli('rm', ['rm', '{n:ex0}'], { compare: ['exit', 'stdout'] }),
      cli('rm missing', ['rm', '{n:ex0}'], { compare: ['exit', 'stderr-empty'], expect: { exit: 1 } }),
    ],
  },
  {
    id: 'net-none',
    title: '--net none: interfaces, routes, resolv.conf',
    steps: [
      cli('ip -o addr', ['run', '--rm', '--net', 'none', IMG, 'ip', '-o', 'addr'], { expect: { stdout: /lo/ } }),
      cli('ip route', ['run', '--rm', '--net', 'none', IMG, 'ip', 'route']),
      cli('resolv.conf', ['run', '--rm', '--net', 'none', IMG, 'cat', '/etc/resolv.conf']),
    ],
  },
  {
    id: 'net-host',
    title: '--net host: same netns and hostname as the host',
    steps: [
      cli('netns', ['run', '--rm', '--net', 'host', IMG, 'readlink', '/proc/self/ns/net'], { compare: ['exit', 'outcome'], outcome: (r) => r.stdout.trim() === '<host-netns>' ? 'host-netns' : `other: ${r.stdout.trim()}`, expect: { outcome: 'host-netns' } }),
      cli('hostname', ['run', '--rm', '--net', 'host', IMG, 'hostname'], { expect: { stdout: /^<host-hostname>$/ } }),
    ],
  },
  {
    id: 'net-bridge',
    title: 'default bridge: interfaces, routes, resolv.conf, hosts',
    steps: [
      cli('ip -o addr', ['run', '--rm', IMG, 'ip', '-o', 'addr'], { expect: { stdout: /eth0/ } }),
      cli('ip route', ['run', '--rm', IMG, 'ip', 'route'], { expect: { stdout: /^default via/ } }),
      cli('/proc/net/route', ['run', '--rm', IMG, 'cat', '/proc/net/route'], { procRoute: true }),
      cli('resolv.conf', ['run', '--rm', IMG, 'cat', '/etc/resolv.conf']),
      cli('hosts', ['run', '--rm', IMG, 'cat', '/etc/hosts'], { expect: { stdout: /localhost/ } }),
    ],
  },
  {
    id: 'net-user',
    title: 'user network: interfaces, routes, resolv.conf, hosts, --ip',
    setup: [
      cli('create', ['network', 'create', '{n:net}']),
      cli('create subnet', ['network', 'create', '--subnet', '{sub}.0/24', '{n:subnet}']),
    ],
    steps: [
      cli('ip -o addr', ['run', '--rm', '--network', '{n:net}', IMG, 'ip', '-o', 'addr'], { expect: { stdout: /eth0/ }, compare: ['exit', 'outcome'], outcome: poolPrefix }),
      cli('ip route', ['run', '--rm', '--network', '{n:net}', IMG, 'ip', 'route'], { compare: ['exit', 'outcome'], outcome: poolPrefix }),
      cli('resolv.conf', ['run', '--rm', '--network', '{n:net}', IMG, 'cat', '/etc/resolv.conf']),
      cli('hosts', ['run', '--rm', '--network', '{n:net}', '--name', '{n:hostsc}', IMG, 'cat', '/etc/hosts']),
      cli('--ip', ['run', '--rm', '--network', '{n:subnet}', '--ip', '{sub}.50', IMG, 'ip', '-o', '-4', 'addr', 'show', 'eth0'], {
        compare: ['exit', 'outcome'], outcome: (r) => (r.stdout.includes('<sub>.50/24') ? 'has-ip' : `no: ${r.stdout}`), expect: { outcome: 'has-ip' },
      }),
      cli('--ip gateway', ['run', '--rm', '--network', '{n:subnet}', IMG, 'ip', 'route'], {
        compare: ['exit', 'outcome'], outcome: (r) => (r.stdout.includes('default via <sub>.1') ? 'gw-.1' : `other: ${r.stdout}`), expect: { outcome: 'gw-.1' },
      }),
      cli('network rm', ['network', 'rm', '{n:net}'], { compare: ['exit'], expect: { exit: 0 } }),
    ],
  },
  {
    id: 'reachability',
    title: 'reachability matrix: c2c, isolation, host, 127.0.0.1, LAN host, hairpin',
    setup: [
      cli('net', ['network', 'create', '{n:rnet}']),
      cli('web', ['run', '-d', '--name', '{n:web}', '--network', '{n:rnet}', '-p', '{port:web}:8080', IMG, ...serve(8080)]),
      cli('client', ['run', '-d', '--name', '{n:client}', '--network', '{n:rnet}', IMG, 'sleep', '600']),
      cli('other', ['run', '-d', '--name', '{n:other}', IMG, 'sleep', '600']),
      cli('bweb', ['run', '-d', '--name', '{n:bweb}', '-p', '{port:bweb}:8080', IMG, ...serve(8080)]),
    ],
    steps: [
      host('host -> web ip', 'curl', ['-s', '-m', '3', 'http://{ip:web}:8080/index.html'], { compare: ['outcome'], outcome: reach, retry: untilReachable, expect: { outcome: 'reachable' } }),
      cli('c2c by name', ['exec', '{n:client}', ...fetchIn('{n:web}', 8080)], { compare: ['outcome'], outcome: reach, expect: { outcome: 'reachable' } }),
      cli('c2c by ip', ['exec', '{n:client}', ...fetchIn('{ip:web}', 8080)], { compare: ['outcome'], outcome: reach, expect: { outcome: 'reachable' } }),
      cli('other net isolated', ['exec', '{n:other}', ...fetchIn('{ip:web}', 8080)], { compare: ['outcome'], outcome: reach, expect: { outcome: 'unreachable' } }),
      host('127.0.0.1 -> published', 'curl', ['-s', '-m', '3', 'http://127.0.0.1:{port:web}/index.html'], { compare: ['outcome'], outcome: reach, retry: untilReachable, expect: { outcome: 'reachable' } }),
      host('127.0.0.1 -> published (default bridge)', 'curl', ['-s', '-m', '3', 'http://127.0.0.1:{port:bweb}/index.html'], { compare: ['outcome'], outcome: reach, retry: untilReachable, expect: { outcome: 'reachable' } }),
      host('LAN host -> published', 'curl', ['-s', '-m', '3', 'http://{lan-gw}:{port:web}/index.html'], { inLan: true, compare: ['outcome'], outcome: reach, retry: untilReachable, expect: { outcome: 'reachable' } }),
      cli('container -> LAN host', ['exec', '{n:client}', ...fetchIn('{lan}', 8081)], { compare: ['outcome'], outcome: reach, expect: { outcome: 'reachable' } }),
      cli('default bridge -> LAN host', ['exec', '{n:other}', ...fetchIn('{lan}', 8081)], { compare: ['outcome'], outcome: reach, expect: { outcome: 'reachable' } }),
      cli('hairpin: web -> own published port', ['exec', '{n:web}', ...fetchIn('{lan-gw}', '{port:web}')], { compare: ['outcome'], outcome: reach, expect: { outcome: 'reachable' } }),
      cli('client -> published port on host', ['exec', '{n:client}', ...fetchIn('{lan-gw}', '{port:web}')], { compare: ['outcome'], outcome: reach, expect: { outcome: 'reachable' } }),
      cli('ps ports', ['ps'], { table: true, rowsFor: ['web', 'bweb'], sortLines: true, expect: { stdout: /<port:web>->8080\/tcp/ } }),
    ],
  },
  {
    id: 'dns',
    title: 'name resolution on user networks (name, alias) and not on the default bridge',
    setup: [
      cli('net', ['network', 'create', '{n:dnet}']),
      cli('a', ['run', '-d', '--name', '{n:a}', '--network', '{n:dnet}', '--network-alias', 'alias-a', IMG, 'sleep', '600']),
      cli('b', ['run', '-d', '--name', '{n:b}', '--network', '{n:dnet}', IMG, 'sleep', '600']),
      cli('bridge', ['run', '-d', '--name', '{n:c}', IMG, 'sleep', '600']),
    ],
    steps: [
      cli('nslookup name', ['exec', '{n:b}', 'nslookup', '{n:a}'], { compare: ['outcome'], outcome: resolved, expect: { outcome: 'resolved' } }),
      cli('nslookup alias', ['exec', '{n:b}', 'nslookup', 'alias-a'], { compare: ['outcome'], outcome: resolved, expect: { outcome: 'resolved' } }),
      cli('ping name', ['exec', '{n:b}', 'ping', '-c1', '-W2', '{n:a}'], { compare: ['exit'], expect: { exit: 0 } }),
      cli('ping alias', ['exec', '{n:b}', 'ping', '-c1', '-W2', 'alias-a'], { compare: ['exit'], expect: { exit: 0 } }),
      // No lookups of unknown names: they would be forwarded to the host's resolver, outside this machine.
      cli('default bridge: name not in hosts', ['exec', '{n:c}', 'grep', '-c', '{n:a}', '/etc/hosts'], { compare: ['exit', 'stdout'], expect: { exit: 1, stdout: /^0$/ } }),
    ],
  },
  {
    id: 'attach-detach',
    title: 'run -it, type a command, detach with ctrl-p ctrl-q',
    steps: [
      { kind: 'attach', label: 'detach keys', name: 'att', argv: ['run', '-it', '--name', '{n:att}', IMG, 'sh'], compare: ['outcome'], expect: { outcome: 'prompt echo detached(exit 0) running' } },
    ],
  },
  {
    id: 'storage',
    title: 'bind, named, anonymous and tmpfs mounts (content, owner, mode, ro), --read-only, cp round trip, diff',
    setup: [
      host('bind dir', 'sh', ['-c', 'mkdir -p /tmp/{n:bind} && echo from-host > /tmp/{n:bind}/f && chmod 644 /tmp/{n:bind}/f && echo secret > /tmp/{n:bind}/private && chmod 600 /tmp/{n:bind}/private']),
      cli('cp container', ['create', '--name', '{n:cpc}', IMG, 'true']),
      cli('diff container', ['run', '--name', '{n:dc}', IMG, 'sh', '-c', 'touch /tmp/new && rm /bin/vi && mkdir /added']),
    ],
    steps: [
      cli('bind rw: content and mode', ['run', '--rm', '-v', '/tmp/{n:bind}:/data', IMG, 'sh', '-c', 'cat /data/f; stat -c %a /data/f'], { expect: { stdout: /^from-host\n644$/ } }),
      cli('bind: a host root-only file', ['run', '--rm', '-v', '/tmp/{n:bind}:/data', IMG, 'sh', '-c', 'cat /data/private 2>/dev/null || echo denied'], { expect: { stdout: /^secret$/ } }),
      cli('bind ro: write refused', ['run', '--rm', '-v', '/tmp/{n:bind}:/data:ro', IMG, 'sh', '-c', 'touch /data/x 2>/dev/null; echo $?; grep -c " /data .*ro[,\\ ]" /proc/mounts'], { expect: { stdout: /^1\n1$/ } }),
      cli('named: write', ['run', '--rm', '-v', '{n:vol}:/v', IMG, 'sh', '-c', 'echo kept > /v/f'], { expect: { exit: 0 } }),
      cli('named: survives, owner and mode', ['run', '--rm', '-v', '{n:vol}:/v', IMG, 'sh', '-c', 'cat /v/f; stat -c "%u %g %a" /v /v/f'], { expect: { stdout: /^kept\n0 0 755\n0 0 644$/ } }),
      cli('named: copy of the image content', ['run', '--rm', '-v', '{n:etcvol}:/etc', IMG, 'sh', '-c', 'stat -c "%n %u %g %a" /etc /etc/passwd /etc/group; head -1 /etc/passwd'], { expect: { stdout: /root:x:0:0/ } }),
      cli('anonymous', ['run', '--rm', '-v', '/anon', IMG, 'sh', '-c', 'stat -c "%u %g %a" /anon; touch /anon/x && echo writable'], { expect: { stdout: /^0 0 755\nwritable$/ } }),
      cli('tmpfs', ['run', '--rm', '--tmpfs', '/t:size=1m', IMG, 'sh', '-c', 'stat -c "%u %g %a" /t; grep " /t " /proc/mounts | cut -d" " -f1,3; touch /t/x && echo writable'], { expect: { stdout: /^0 0 1777\ntmpfs tmpfs\nwritable$/ } }),
      cli('--read-only', ['run', '--rm', '--read-only', IMG, 'sh', '-c', 'touch /x 2>/dev/null; echo $?; touch /dev/shm/x && echo dev-writable'], { expect: { stdout: /^1\ndev-writable$/ } }),
      cli('cp out', ['cp', '{n:cpc}:/etc/passwd', '/tmp/{n:bind}/passwd'], { expect: { exit: 0 } }),
      cli('cp in', ['cp', '/tmp/{n:bind}/passwd', '{n:cpc}:/tmp/copied'], { expect: { exit: 0 } }),
      cli('cp in: tree with mode', ['cp', '/tmp/{n:bind}', '{n:cpc}:/tmp/tree'], { expect: { exit: 0 } }),
      cli('cp round trip', ['cp', '{n:cpc}:/tmp/copied', '-'], { compare: ['exit', 'outcome'], outcome: (r) => (r.stdout.includes('root:x:0:0') ? 'has-passwd' : 'missing'), expect: { outcome: 'has-passwd' } }),
      cli('cp tree back', ['cp', '{n:cpc}:/tmp/tree/.', '/tmp/{n:bind}/back'], { expect: { exit: 0 } }),
      host('tree on the host', 'sh', ['-c', 'cd /tmp/{n:bind}/back && ls && stat -c "%n %a" f passwd && cat f']),
      cli('cp missing', ['cp', '{n:cpc}:/no/such', '/tmp/{n:bind}/x'], { compare: ['exit'], expect: { exit: 1 } }),
      cli('cp dir onto file', ['cp', '{n:cpc}:/etc', '/tmp/{n:bind}/f'], { compare: ['exit', 'stderr'], expect: { exit: 1 } }),
      cli('diff', ['diff', '{n:dc}'], { sortLines: true, expect: { stdout: /A \/tmp\/new/ } }),
      cli('volume rm', ['volume', 'rm', '{n:vol}', '{n:etcvol}'], { compare: ['exit'], expect: { exit: 0 } }),
      host('bind dir rm', 'rm', ['-rf', '/tmp/{n:bind}'], { compare: ['exit'] }),
    ],
  },
];
