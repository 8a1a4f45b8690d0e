// Public surface of the runtime module.
export * from './types.js';
export { Runtime, hostRootId, processRunning } from './runtime.js';
export { AttachStream } from './attach.js';
export { readLogs, selectFrames, nsToIso, type ReadLogsOptions, type LogEntry } from './logs.js';
export { parseLogFrames, encodeLogFrame, encodeAttachFrame, AttachDecoder, resizeFrame } from './frames.js';
export { serializeRunSpec, serializeExecSpec, escapeValue, unescapeValue, attachSocketPath, rootfsPath, seccompPath } from './spec.js';
export { execFailureError } from './exec-error.js';
export { shimPath } from './shim-path.js';
export { resolveProcess, mergeEnv, withHome, DEFAULT_PATH, type ImageProcessConfig, type ProcessOverrides, type ResolvedProcess } from './process.js';
export { resolveUser, resolveUserFrom, readLayeredFile, parsePasswd, parseGroup, type ResolvedUser } from './user.js';
export { defaultIdMapping, idMappingFrom, parseSubId, DEFAULT_USERNS_BASE, DEFAULT_USERNS_SIZE } from './idmap.js';
export { loadSeccompProfile, parseSeccompProfile, compileSeccomp, seccompRules, hostSeccompArch, DEFAULT_SECCOMP_PROFILE, type SeccompProfile, type SeccompSyscall, type SeccompArg, type SeccompFilter, type SeccompAction, type SeccompOp, type CompileOptions } from './seccomp.js';
