// Public surface of the runtime module.
export * from './types.js';
export { Runtime, hostRootId, processRunning, CONTAINER_DIR_MODE } from './runtime.js';
export { AttachStream, resizeFrame, ATTACH_RESIZE, ATTACH_CLOSE_STDIN, ATTACH_STDIN_MAX } from './attach.js';
export { readLogs, selectFrames, splitLines, LineSplitter, formatTimestamp, sinceToNs, parseLogFrames, encodeLogFrame, type ReadLogsOptions, type LogEntry, type LogFrame } from './logs.js';
export { serializeRunSpec, serializeExecSpec, toHostId, attachSocketPath, rootfsPath, seccompPath, MAX_ID } from './spec.js';
export { DEFAULT_CAPABILITIES, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, defaultSecurity, defaultProcessSecurity } from './security/defaults.js';
export { ALL_CAPABILITIES, CAPABILITY_NUMBERS, capabilityNumber, capabilityMask } from './security/capabilities.js';
export { loadSeccompProfile, parseSeccompProfile, compileSeccomp, seccompRules, hostSeccompArch, DEFAULT_SECCOMP_PROFILE, type SeccompProfile, type SeccompSyscall, type SeccompArg, type SeccompFilter, type SeccompAction, type SeccompOp, type CompileOptions } from './seccomp.js';
export { execFailureError } from './exec-error.js';
export { shimPath } from './shim-path.js';
export { resolveUser, resolveUserFrom, readLayeredFile, parsePasswd, parseGroup, type ResolvedUser } from './user.js';
export { defaultIdMapping, idMappingFrom, parseSubId, DEFAULT_USERNS_BASE, DEFAULT_USERNS_SIZE } from './idmap.js';
