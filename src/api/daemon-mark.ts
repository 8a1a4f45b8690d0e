// Marks errors that came back from the engine (the CLI prints them as "Error response from daemon").
export const FROM_DAEMON = Symbol.for('minidock.fromDaemon');
