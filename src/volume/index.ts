// The volume module: docker's `local` volumes, copy-up of image content, in-root path resolution.
export { VolumeService, validateVolumeName, treeSize, DATA_DIR, RECORD_FILE, type VolumeServiceOptions } from './service.js';
export { VolumeNotFound, VolumeInUse } from './errors.js';
export { normalizeFilters, prunePredicate, type VolumeFilters, type InUse } from './filters.js';
export { parseLocalOptions, hostMountArgs, type LocalMount } from './local-options.js';
export { copyUp, idShiftFrom, type IdShift, type CopyUpResult, type CopyUpOptions } from './copy-up.js';
export { LayerView, opaqueDirs } from './layer-view.js';
export { resolveInRoot, MAX_SYMLINKS, type RootLookup, type RootNode, type InRootResolution } from './resolve.js';
export { ANONYMOUS_LABEL, type VolumeRecord, type VolumeInfo, type VolumeCreateOptions, type PruneReport } from './types.js';
