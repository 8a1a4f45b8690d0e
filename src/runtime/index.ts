// Public surface of the runtime module.
export * from './types.js';
export { Runtime, hostRootId, processRunning } from './runtime.js';
export { AttachStream, resizeFrame, ATTACH_RESIZE, ATTACH_CLOSE_STDIN, ATTACH_STDIN_MAX } from './attach.js';
export { readLogs, selectFrames, splitLines, LineSplitter, formatTimestamp, sinceToNs, parseLogFrames, encodeLogFrame, type ReadLogsOptions, type LogEntry, type LogFrame } from './logs.js';
export { serializeRunSpec, serializeExecSpec, escapeValue, unescapeValue, attachSocketPath, rootfsPath } from './spec.js';
export { execFailureError } from './exec-error.js';
export { shimPath } from './shim-path.js';
export { resolveProcess, mergeEnv, withHome, DEFAULT_PATH, type ImageProcessConfig, type ProcessOverrides, type ResolvedProcess } from './process.js';
export { resolveUser, resolveUserFrom, readLayeredFile, parsePasswd, parseGroup, type ResolvedUser } from './user.js';
export { defaultIdMapping, idMappingFrom, parseSubId, DEFAULT_USERNS_BASE, DEFAULT_USERNS_SIZE } from './idmap.js';
