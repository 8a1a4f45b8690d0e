// minidock CLI: commander parses, a command module (imported lazily, so `--version` and
// each command load only what they use) calls the API client and prints.
import { Command, CommanderError, Option } from 'commander';
import { fail, runAction } from './output.js';
import { version as cliVersion } from '../version.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

type Action = (...args: any[]) => Promise<number>;

/** Runs a command action: exit with its code, errors printed docker-style. */
function act(name: string, fn: Action) {
  return (...args: unknown[]) => runAction(name, () => fn(...args));
}

/** The resource flags of run/create and update (docker's units: 6m, 1g, ...). */
function addResourceFlags(cmd: Command): Command {
  return cmd
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--cpuset-cpus <list>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)');
}

function addRunFlags(cmd: Command): Command {
  return addResourceFlags(cmd)
    .option('--oom-kill-disable', 'Disable OOM Killer')
    .helpOption('--help', 'Print usage')
    .option('-d, --detach', 'Run container in background and print container ID')
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('--rm', 'Automatically remove the container when it exits')
    .option('--name <name>', 'Assign a name to the container')
    .option('-e, --env <env>', 'Set environment variables', collect)
    .option('--env-file <file>', 'Read in a file of environment variables', collect)
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-u, --user <user>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('-h, --hostname <name>', 'Container host name')
    .option('--entrypoint <cmd>', 'Overwrite the default ENTRYPOINT of the image')
    .option('--net, --network <net>', 'Connect a container to a network')
    .option('--ip <ip>', 'IPv4 address (e.g., 172.30.100.104)')
    .option('--network-alias <alias>', 'Add network-scoped alias for the container', collect)
    .option('-p, --publish <spec>', "Publish a container's port(s) to the host", collect)
    .option('-P, --publish-all', 'Publish all exposed ports to random ports')
    .option('--expose <port>', 'Expose a port or a range of ports', collect)
    .option('-l, --label <label>', 'Set meta data on a container', collect)
    .option('--label-file <file>', 'Read in a line delimited file of labels', collect)
    .option('--pod <pod>', "Run the container in a pod (its network, IPC and UTS namespaces)")
    .option('--userns <mode>', 'User namespace to use')
    .option('--cap-add <cap>', 'Add Linux capabilities', collect)
    .option('--cap-drop <cap>', 'Drop Linux capabilities', collect)
    .option('--privileged', 'Give extended privileges to this container')
    .option('--restart <policy>', 'Restart policy to apply when a container exits')
    .option('--log-driver <driver>', 'Logging driver for the container (json-file, local, none)')
    .option('--log-opt <option>', 'Log driver options (max-size, max-file)', collect)
    .option('--security-opt <opt>', 'Security Options', collect)
    .option('-v, --volume <spec>', 'Bind mount a volume', collect)
    .option('--mount <mount>', 'Attach a filesystem mount to the container', collect)
    .option('--tmpfs <tmpfs>', 'Mount a tmpfs directory', collect)
    .option('--volumes-from <container>', 'Mount volumes from the specified container(s)', collect)
    .option('--read-only', "Mount the container's root filesystem as read only")
    .option('--detach-keys <keys>', 'Override the key sequence for detaching a container')
    .option('--stop-timeout <seconds>', 'Timeout (in seconds) to stop a container')
    .option('--stop-signal <signal>', 'Signal to stop the container')
    .option('--pid <mode>', 'PID namespace to use')
    .option('--ipc <mode>', 'IPC mode to use')
    .option('--uts <mode>', 'UTS namespace to use')
    .option('--init', 'Run an init inside the container that forwards signals and reaps processes')
    .option('--add-host <host:ip>', 'Add a custom host-to-IP mapping (host:ip)', collect)
    .option('--dns <ip>', 'Set custom DNS servers', collect)
    .option('--dns-search <domain>', 'Set custom DNS search domains', collect)
    .option('--dns-option <option>', 'Set DNS options', collect)
    .option('--mac-address <mac>', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)')
    .option('--health-cmd <command>', 'Command to run to check health')
    .option('--health-interval <duration>', 'Time between running the check (ms|s|m|h) (default 0s)')
    .option('--health-timeout <duration>', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)')
    .option('--health-retries <int>', 'Consecutive failures needed to report unhealthy')
    .option('--health-start-period <duration>', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)')
    .option('--health-start-interval <duration>', 'Time between running the check during the start period (ms|s|m|h) (default 0s)')
    .option('--no-healthcheck', 'Disable any container-specified HEALTHCHECK')
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions();
}

/** Commander's usage errors worded like docker's ("unknown flag: --x"). */
export function dockerUsageError(text: string): string {
  return text
    .replace(/^error: unknown option '([^']+)'.*$/m, 'unknown flag: $1')
    .replace(/^error: option '(?:-\w, )?(--[\w-]+)[^']*' argument missing$/m, 'flag needs an argument: $1')
    .replace(/^error: missing required argument '([^']+)'/m, '"$1" requires an argument')
    .replace(/^error: /m, '');
}

/** `minidock network create`: the words a user types for `cmd`. */
function commandPath(cmd: Command): string {
  return cmd.parent ? `${commandPath(cmd.parent)} ${cmd.name()}` : cmd.name();
}

/**
 * A usage error as docker 28 prints it: the problem, the command's usage, and where help is.
 * A missing argument reads "minidock: 'minidock rm' requires at least 1 argument" (and exits 1,
 * see main); flag errors keep commander's line in docker's words (and exit 125).
 */
export function usageErrorText(cmd: Command, text: string): string {
  const path = commandPath(cmd);
  const usage = `\n\nUsage:  ${path} ${cmd.usage()}\n\n`;
  if (!text.startsWith('error: missing required argument')) return `${dockerUsageError(text).trimEnd()}${usage}Run '${path} --help' for more information\n`;
  const args = cmd.registeredArguments;
  const required = args.filter((a) => a.required).length;
  const atLeast = args.some((a) => a.variadic || !a.required) ? 'at least ' : '';
  return `${path.split(' ')[0]}: '${path}' requires ${atLeast}${required} argument${required === 1 ? '' : 's'}${usage}See '${path} --help' for more information\n`;
}

/** Gives every command docker's usage-error output (commander shares one output setting otherwise). */
function withDockerUsageErrors(cmd: Command): void {
  cmd.configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(usageErrorText(cmd, s)) });
  for (const sub of cmd.commands) withDockerUsageErrors(sub);
}

export function buildProgram(): Command {
  const program = new Command('minidock')
    .description('A self-sufficient runtime for containers')
    .version(`minidock version ${cliVersion()}`, '-v, --version', 'Print version information and quit')
    .enablePositionalOptions()
    .exitOverride();

  const lazy = <M>(load: () => Promise<M>, pick: (m: M) => Action): Action => async (...args) => pick(await load())(...args);
  const run = () => import('./commands/run.js');
  const ctr = () => import('./commands/containers.js');
  const img = () => import('./commands/images.js');
  const net = () => import('./commands/networks.js');

  addRunFlags(program.command('run').description('Create and run a new container from an image'))
    .action(act('run', lazy(run, (m) => (image: string, command: string[], o: any) => m.runCommand(image, command, o))));
  addRunFlags(program.command('create').description('Create a new container'))
    .action(act('create', lazy(run, (m) => (image: string, command: string[], o: any) => m.createCommand(image, command, o))));
  program.command('start').description('Start one or more stopped containers')
    .option('-a, --attach', 'Attach STDOUT/STDERR and forward signals').option('-i, --interactive', "Attach container's STDIN")
    .option('--detach-keys <keys>', 'Override the key sequence for detaching a container')
    .argument('<containers...>')
    .action(act('start', lazy(run, (m) => (ids: string[], o: any) => m.startCommand(ids, o))));
  program.command('attach').description("Attach local standard input, output, and error streams to a running container")
    .option('--no-stdin', 'Do not attach STDIN').option('--detach-keys <keys>', 'Override the key sequence for detaching a container')
    .option('--sig-proxy <bool>', 'Proxy all received signals to the process', (v) => v !== 'false')
    .argument('<container>')
    .action(act('attach', lazy(run, (m) => (id: string, o: any) => m.attachCommand(id, o))));
  program.command('stop').description('Stop one or more running containers')
    .option('-t, --time <seconds>', 'Seconds to wait before killing the container').argument('<containers...>')
    .action(act('stop', lazy(ctr, (m) => m.stopCommand)));
  program.command('restart').description('Restart one or more containers')
    .option('-t, --time <seconds>', 'Seconds to wait before killing the container').argument('<containers...>')
    .action(act('restart', lazy(ctr, (m) => m.restartCommand)));
  program.command('rename').description('Rename a container').argument('<container>').argument('<new-name>')
    .action(act('rename', lazy(ctr, (m) => m.renameCommand)));
  program.command('kill').description('Kill one or more running containers')
    .option('-s, --signal <signal>', 'Signal to send to the container').argument('<containers...>')
    .action(act('kill', lazy(ctr, (m) => m.killCommand)));
  program.command('rm').description('Remove one or more containers')
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container').argument('<containers...>')
    .action(act('rm', lazy(ctr, (m) => m.rmCommand)));
  program.command('wait').description('Block until one or more containers stop, then print their exit codes')
    .argument('<containers...>')
    .action(act('wait', lazy(ctr, (m) => m.waitCommand)));
  program.command('cp').description('Copy files/folders between a container and the local filesystem')
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)').option('-L, --follow-link', 'Always follow symbol link in SRC_PATH')
    .argument('<src>').argument('<dest>')
    .action(act('cp', async (src: string, dest: string, o: { archive?: boolean; followLink?: boolean }) => (await import('./commands/cp.js')).cpCommand(src, dest, o)));
  program.command('diff').description("Inspect changes to files or directories on a container's filesystem").argument('<container>')
    .action(act('diff', async (id: string) => (await import('./commands/changes.js')).diffCommand(id)));
  program.command('export').description("Export a container's filesystem as a tar archive")
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT').argument('<container>')
    .action(act('export', async (id: string, o: { output?: string }) => (await import('./commands/changes.js')).exportCommand(id, o)));
  program.command('ps').description('List containers')
    .option('-a, --all', 'Show all containers (default shows just running)').option('-q, --quiet', 'Only display container IDs')
    .option('--no-trunc', "Don't truncate output").option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', "Format output using a custom template: 'table', 'table TEMPLATE' or a Go template")
    .action(act('ps', lazy(ctr, (m) => (o: { all?: boolean; quiet?: boolean; trunc?: boolean; filter?: string[]; format?: string }) =>
      m.psCommand({ all: o.all, quiet: o.quiet, noTrunc: o.trunc === false, filter: o.filter, format: o.format }))));
  program.command('logs').description('Fetch the logs of a container')
    .option('-f, --follow', 'Follow log output').option('-n, --tail <n>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps').option('--since <time>', 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .option('--until <time>', 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .argument('<container>')
    .action(act('logs', lazy(ctr, (m) => m.logsCommand)));
  program.command('inspect').description('Return low-level information on minidock objects')
    .option('-f, --format <template>', 'Format output using a Go template subset').option('--type <type>', 'Return JSON for specified type')
    .argument('<names...>')
    .action(act('inspect', lazy(ctr, (m) => m.inspectCommand)));
  program.command('port').description('List port mappings or a specific mapping for the container')
    .argument('<container>').argument('[port]')
    .action(act('port', lazy(ctr, (m) => (id: string, port: string | undefined) => m.portCommand(id, port))));
  program.command('exec').description('Execute a command in a running container')
    .helpOption('--help', 'Print usage')
    .option('-i, --interactive', 'Keep STDIN open even if not attached').option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('-u, --user <user>', 'Username or UID').option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-e, --env <env>', 'Set environment variables', collect).option('-d, --detach', 'Detached mode: run command in the background')
    .option('--detach-keys <keys>', 'Override the key sequence for detaching a container')
    .argument('<container>').argument('<command...>').passThroughOptions()
    .action(act('exec', lazy(ctr, (m) => (id: string, command: string[], o: any) => m.execCommand(id, command, o))));

  const res = () => import('./commands/resources.js');
  program.command('stats').description('Display a live stream of container(s) resource usage statistics')
    .option('-a, --all', 'Show all containers (default shows just running)').option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--no-trunc', 'Do not truncate output').option('--format <string>', 'Format output using a custom template: \'table\', \'table TEMPLATE\' or a Go template')
    .argument('[containers...]')
    .action(act('stats', lazy(res, (m) => (ids: string[], o: { all?: boolean; stream?: boolean; trunc?: boolean; format?: string }) => m.statsCommand(ids, { all: o.all, stream: o.stream, noTrunc: o.trunc === false, format: o.format }))));
  program.command('top').description('Display the running processes of a container')
    .argument('<container>').argument('[ps_options...]')
    .action(act('top', lazy(res, (m) => (id: string, psArgs: string[]) => m.topCommand(id, psArgs))));
  program.command('pause').description('Pause all processes within one or more containers').argument('<containers...>')
    .action(act('pause', lazy(res, (m) => m.pauseCommand)));
  program.command('unpause').description('Unpause all processes within one or more containers').argument('<containers...>')
    .action(act('unpause', lazy(res, (m) => m.unpauseCommand)));
  addResourceFlags(program.command('update').description('Update configuration of one or more containers'))
    .option('--label <label>', 'Set a label on the container (re-evaluates network policies)', collect)
    .argument('<containers...>')
    .action(act('update', lazy(res, (m) => m.updateCommand)));

  program.command('pull').description('Download an image from a registry')
    .option('-q, --quiet', 'Suppress verbose output').argument('<image>')
    .action(act('pull', lazy(img, (m) => m.pullCommand)));
  program.command('images').description('List images').argument('[repository[:tag]]')
    .option('-q, --quiet', 'Only show image IDs').option('--no-trunc', "Don't truncate output")
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', "Format output using a custom template: 'table', 'table TEMPLATE' or a Go template")
    .action(act('images', lazy(img, (m) => (repo: string | undefined, o: { quiet?: boolean; trunc?: boolean; filter?: string[]; format?: string }) =>
      m.imagesCommand(repo, { quiet: o.quiet, noTrunc: o.trunc === false, filter: o.filter, format: o.format }))));
  program.command('tag').description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE').argument('<source>').argument('<target>')
    .action(act('tag', lazy(img, (m) => m.tagCommand)));
  program.command('rmi').description('Remove one or more images')
    .option('-f, --force', 'Force removal of the image').argument('<images...>')
    .action(act('rmi', lazy(img, (m) => m.rmiCommand)));
  const xfer = () => import('./commands/images-transfer.js');
  program.command('push').description('Upload an image to a registry')
    .option('-a, --all-tags', 'Push all tags of an image to the repository').option('-q, --quiet', 'Suppress verbose output')
    .argument('<image>')
    .action(act('push', lazy(xfer, (m) => m.pushCommand)));
  program.command('history').description('Show the history of an image')
    .option('-H, --human <bool>', 'Print sizes and dates in human readable format', (v) => v !== 'false', true)
    .option('--no-trunc', "Don't truncate output").option('-q, --quiet', 'Only show image IDs')
    .argument('<image>')
    .action(act('history', lazy(xfer, (m) => m.historyCommand)));
  program.command('save').description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT').argument('<images...>')
    .action(act('save', lazy(xfer, (m) => m.saveCommand)));
  program.command('load').description('Load an image from a tar archive or STDIN')
    .option('-i, --input <file>', 'Read from tar archive file, instead of STDIN').option('-q, --quiet', 'Suppress the load output')
    .action(act('load', lazy(xfer, (m) => m.loadCommand)));
  program.command('commit').description("Create a new image from a container's changes")
    .option('-a, --author <author>', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
    .option('-c, --change <change>', 'Apply Dockerfile instruction to the created image', collect)
    .option('-m, --message <message>', 'Commit message')
    .option('-p, --pause <bool>', 'Pause container during commit', (v) => v !== 'false', true)
    .argument('<container>').argument('[repository]')
    .action(act('commit', lazy(xfer, (m) => m.commitCommand)));
  program.command('login').description('Log in to a registry')
    .option('-u, --username <name>', 'Username').option('-p, --password <password>', 'Password')
    .option('--password-stdin', 'Take the password from stdin').argument('[server]')
    .action(act('login', lazy(img, (m) => m.loginCommand)));
  program.command('logout').description('Log out from a registry').argument('[server]')
    .action(act('logout', lazy(img, (m) => m.logoutCommand)));

  const vol = () => import('./commands/volumes.js');
  const volume = program.command('volume').description('Manage volumes');
  volume.command('create').description('Create a volume').argument('[name]')
    .option('--name <name>', 'Specify volume name').option('-d, --driver <driver>', 'Specify volume driver name')
    .option('--label <label>', 'Set metadata for a volume', collect).option('-o, --opt <opt>', 'Set driver specific options', collect)
    .action(act('volume create', lazy(vol, (m) => m.volumeCreate)));
  volume.command('ls').alias('list').description('List volumes')
    .option('-q, --quiet', 'Only display volume names').option('-f, --filter <filter>', 'Provide filter values (e.g. "dangling=true")', collect)
    .option('--format <string>', "Format output using a custom template: 'table', 'table TEMPLATE' or a Go template")
    .action(act('volume ls', lazy(vol, (m) => m.volumeLs)));
  volume.command('inspect').description('Display detailed information on one or more volumes')
    .option('-f, --format <template>', 'Format the output using a Go template subset').argument('<volumes...>')
    .action(act('volume inspect', lazy(vol, (m) => m.volumeInspect)));
  volume.command('rm').alias('remove').description('Remove one or more volumes')
    .option('-f, --force', 'Force the removal of one or more volumes').argument('<volumes...>')
    .action(act('volume rm', lazy(vol, (m) => m.volumeRm)));
  volume.command('prune').description('Remove unused local volumes')
    .option('-a, --all', 'Remove all unused volumes, not just anonymous ones').option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', 'Provide filter values (e.g. "label=<label>")', collect)
    .action(act('volume prune', lazy(vol, (m) => m.volumePrune)));
  const pol = () => import('./commands/policy.js');
  const policy = program.command('policy').description('Manage network policies (Kubernetes NetworkPolicy on minidock networks)');
  policy.command('apply').description('Apply NetworkPolicy documents from a YAML file')
    .option('-f, --filename <file>', 'YAML file with one or more NetworkPolicy documents (- for stdin)')
    .action(act('policy apply', lazy(pol, (m) => m.policyApply)));
  policy.command('ls').alias('list').description('List network policies').option('-q, --quiet', 'Only display network/name')
    .action(act('policy ls', lazy(pol, (m) => m.policyLs)));
  policy.command('inspect').description('Display detailed information on one or more network policies')
    .option('-f, --format <template>', 'Format the output using a Go template subset').argument('<policies...>')
    .action(act('policy inspect', lazy(pol, (m) => m.policyInspect)));
  policy.command('rm').alias('remove').description('Remove one or more network policies (name or network/name)').argument('<policies...>')
    .action(act('policy rm', lazy(pol, (m) => m.policyRm)));
  const pods = () => import('./commands/pods.js');
  const pod = program.command('pod').description('Manage pods (containers sharing network, IPC and UTS namespaces)');
  pod.command('create').description('Create a pod')
    .option('--name <name>', 'Assign a name to the pod').option('-p, --publish <spec>', "Publish a port of the pod's containers to the host", collect)
    .option('--network <net>', 'Connect the pod to a network').option('--hostname <name>', "The pod's host name")
    .option('-l, --label <label>', 'Set metadata on a pod', collect).option('--share <kinds>', 'Namespaces to share (net always): net,ipc,uts')
    .action(act('pod create', lazy(pods, (m) => m.podCreate)));
  pod.command('ls').alias('list').alias('ps').description('List pods')
    .option('-q, --quiet', 'Only display pod IDs').option('--no-trunc', 'Do not truncate the output')
    .action(act('pod ls', lazy(pods, (m) => (o: { quiet?: boolean; trunc?: boolean }) => m.podLs({ quiet: o.quiet, noTrunc: o.trunc === false }))));
  pod.command('inspect').description('Display detailed information on one or more pods')
    .option('-f, --format <template>', 'Format the output using a Go template subset').argument('<pods...>')
    .action(act('pod inspect', lazy(pods, (m) => m.podInspect)));
  pod.command('start').description('Start one or more pods').argument('<pods...>')
    .action(act('pod start', lazy(pods, (m) => m.podStart)));
  pod.command('stop').description('Stop one or more pods').option('-t, --time <seconds>', 'Seconds to wait before killing the containers').argument('<pods...>')
    .action(act('pod stop', lazy(pods, (m) => m.podStop)));
  pod.command('rm').alias('remove').description('Remove one or more pods')
    .option('-f, --force', 'Stop and remove running pods and their containers').argument('<pods...>')
    .action(act('pod rm', lazy(pods, (m) => m.podRm)));
  const network = program.command('network').description('Manage networks');
  network.command('prune').description('Remove all unused networks').option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', "Provide filter values (e.g. 'until=<timestamp>')", collect)
    .action(act('network prune', lazy(() => import('./commands/prune.js'), (m) => m.networkPrune)));
  network.command('create').description('Create a network')
    .addOption(new Option('-d, --driver <driver>', 'Driver to manage the Network').default('bridge'))
    .option('--subnet <cidr>', 'Subnet in CIDR format').option('--gateway <ip>', 'IPv4 Gateway for the subnet')
    .option('--ip-range <cidr>', 'Allocate container ip from a sub-range').option('--ipv6', 'Enable IPv6 networking')
    .option('--internal', 'Restrict external access to the network').option('--label <label>', 'Set metadata on a network', collect)
    .option('-o, --opt <option>', 'Set driver specific options (cni: config=<list name or file>)', collect)
    .argument('<name>')
    .action(act('network create', lazy(net, (m) => m.networkCreate)));
  network.command('ls').alias('list').description('List networks')
    .option('-q, --quiet', 'Only display network IDs').option('--no-trunc', 'Do not truncate the output')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "driver=bridge")', collect)
    .option('--format <string>', "Format output using a custom template: 'table', 'table TEMPLATE' or a Go template")
    .action(act('network ls', lazy(net, (m) => (o: { quiet?: boolean; trunc?: boolean; filter?: string[]; format?: string }) =>
      m.networkLs({ quiet: o.quiet, noTrunc: o.trunc === false, filter: o.filter, format: o.format }))));
  network.command('rm').alias('remove').description('Remove one or more networks').argument('<networks...>')
    .action(act('network rm', lazy(net, (m) => m.networkRm)));
  network.command('inspect').description('Display detailed information on one or more networks')
    .option('-f, --format <template>', 'Format the output using a Go template subset').argument('<networks...>')
    .action(act('network inspect', lazy(net, (m) => m.networkInspect)));
  network.command('connect').description('Connect a container to a network')
    .option('--ip <ip>', 'IPv4 address').option('--alias <alias>', 'Add network-scoped alias for the container', collect)
    .argument('<network>').argument('<container>')
    .action(act('network connect', lazy(net, (m) => m.networkConnect)));
  network.command('disconnect').description('Disconnect a container from a network')
    .option('-f, --force', 'Force the container to disconnect from a network').argument('<network>').argument('<container>')
    .action(act('network disconnect', lazy(net, (m) => m.networkDisconnect)));

  const prune = () => import('./commands/prune.js');
  const pruneFlags = (c: Command) => c.option('-f, --force', 'Do not prompt for confirmation').option('--filter <filter>', "Provide filter values (e.g. 'until=<timestamp>')", collect);
  pruneFlags(program.command('container').description('Manage containers').command('prune').description('Remove all stopped containers'))
    .action(act('container prune', lazy(prune, (m) => m.containerPrune)));
  pruneFlags(program.command('image').description('Manage images').command('prune').description('Remove unused images'))
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .action(act('image prune', lazy(prune, (m) => m.imagePrune)));
  const system = program.command('system').description('Manage minidock');
  pruneFlags(system.command('prune').description('Remove unused data'))
    .option('-a, --all', 'Remove all unused images not just dangling ones').option('--volumes', 'Prune anonymous volumes')
    .action(act('system prune', lazy(prune, (m) => m.systemPrune)));
  system.command('df').description('Show minidock disk usage').option('-v, --verbose', 'Show detailed information on space usage')
    .option('--format <string>', 'Format output using a custom template: \'table\', \'table TEMPLATE\' or a Go template')
    .action(act('system df', async (o: { verbose?: boolean; format?: string }) => (await import('./commands/system.js')).systemDfCommand(o)));
  system.command('info').description('Display system-wide information').option('-f, --format <template>', 'Format output using a Go template subset')
    .action(act('system info', async (o: { format?: string }) => (await import('./commands/system.js')).infoCommand(o)));
  program.command('info').description('Display system-wide information').option('-f, --format <template>', 'Format output using a Go template subset')
    .action(act('info', async (o: { format?: string }) => (await import('./commands/system.js')).infoCommand(o)));
  program.command('events').description('Get real time events from the server')
    .option('--since <time>', 'Show all events created since timestamp').option('--until <time>', 'Stream events until this timestamp')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect).option('--format <template>', 'Format output using a Go template subset')
    .action(act('events', async (o: { since?: string; until?: string; filter?: string[]; format?: string }) => (await import('./commands/system.js')).eventsCommand(o)));
  program.command('version').description('Show the minidock version information')
    .action(act('version', async () => (await import('./commands/system.js')).versionCommand()));
  withDockerUsageErrors(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and --version exit 0; a missing argument exits 1 and flag errors 125, like docker.
      process.exit(err.exitCode === 0 ? 0 : err.code === 'commander.missingArgument' ? 1 : 125);
    }
    fail(err);
  }
}
