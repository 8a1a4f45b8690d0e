// The volume module's typed errors, with docker's wording (moby volume/service/errors.go:
// "<op> <name>: <reason> [- [refs]]").
import { MinidockError } from '../errors.js';

export class VolumeNotFound extends MinidockError {
  constructor(readonly volume: string, op = 'get') {
    // ErrorCode has no volume entry yet (src/errors.ts is shared); status 404 is what the API needs
    super('InvalidArgument', `${op} ${volume}: no such volume`, { status: 404 });
    this.name = 'VolumeNotFound';
  }
}

export class VolumeInUse extends MinidockError {
  constructor(readonly volume: string, readonly containers: string[]) {
    super('Conflict', `remove ${volume}: volume is in use - [${containers.join(', ')}]`, { status: 409 });
    this.name = 'VolumeInUse';
  }
}
