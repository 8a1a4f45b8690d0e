// version.
import { connect } from '../connect.js';
import { version as cliVersion } from '../../version.js';

export async function versionCommand(): Promise<number> {
  process.stdout.write(`Client:\n Version:           ${cliVersion()}\n API version:       1.43\n Node version:      ${process.version}\n OS/Arch:           linux/${process.arch === 'x64' ? 'amd64' : process.arch}\n\n`);
  const client = await connect({ autostart: false });
  const v = await client.version();
  process.stdout.write(`Server:\n Engine:\n  Version:          ${v.Version}\n  API version:      ${v.ApiVersion} (minimum version ${v.MinAPIVersion})\n  Kernel version:   ${v.KernelVersion}\n  OS/Arch:          ${v.Os}/${v.Arch}\n`);
  return 0;
}
