/*
 * minidock-shim: one small process per container, parent of the container's PID 1
 * (like podman's conmon). Syscalls only: every decision is made by the TypeScript
 * runtime and passed in a spec file (format and keys: spec.c).
 *
 * Usage:
 *   minidock-shim run  <specfile>   start a container (see "run protocol")
 *   minidock-shim run  - <room>     the same, spawned ahead of need ("warm"): the spec file's
 *                                   path comes as stdin's first line (EOF first: exit 0, not
 *                                   needed), and replaces `- <room>` in the command line,
 *                                   which then reads as `run <specfile>` (room: a blank
 *                                   argument at least as long as the path)
 *   minidock-shim exec <specfile>   run a process inside a running container
 *
 * Run protocol (stdin/stdout of the shim are pipes from the engine):
 *   shim -> engine  `pid <container host pid> <shim pid>` once namespaces and rootfs exist
 *   engine -> shim  `veth <host> <bridge> <if> <mac> <ip>/<len> <gateway|->` (any number,
 *                   optional): a veth pair with the peer in the container's netns, set up
 *                   there (netlink.c); shim -> engine `veth ok` | `veth error <message>`
 *   engine -> shim  `go` (anything else, or EOF, kills the container)
 *   shim -> engine  `started` | `execfail <errno>` | `error <message>`; then the shim
 *                   detaches from the engine's pipes. Setup failures before `pid` (a bad
 *                   spec among them) are reported as `error <message>` too.
 * While running: output goes to `log` as frames
 *   [u8 stream][3 zero][u32 BE len][u64 BE unix-ns][payload]
 * and live to clients of `sock` as docker stdcopy frames [u8 stream][3 zero][u32 BE len].
 * Client -> shim frames: stream 0 stdin data, 3 resize (u16 BE rows, u16 BE cols),
 * 4 close stdin. On exit the shim writes `exit` atomically:
 *   {"exitCode":N[,"signal":S],"finishedAt":"ISO"[,"error":"..."]}
 * then closes clients, removes the socket and exits.
 *
 * Exec protocol: the engine gives stdin/stdout/stderr pipes plus fd 3 (a socket):
 *   shim -> engine on fd 3: `started <pid>` | `execfail <errno>` | `error <message>`
 *   engine -> shim on fd 3: `resize <rows> <cols>` lines (tty only)
 * The shim exits with the command's exit code (128+signal on signal death).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "shim.h"
#ifdef MD_SECCOMP
#include "md_seccomp.h"
#endif

char *md_args;
size_t md_args_len;

int main(int argc, char **argv)
{
	/* the command line's memory (argv strings are contiguous), which --init's PID 1 rewrites */
	md_args = argv[0];
	md_args_len = argv[argc - 1] + strlen(argv[argc - 1]) - argv[0];
	if (argc == 3 && !strcmp(argv[1], "run")) return run_main(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "run") && !strcmp(argv[2], "-")) {
		/* warm: one byte at a time, so that nothing after the line (the handshake) is read here */
		char path[4096];
		size_t n = 0;
		ssize_t k;
		while (n < sizeof(path) - 1 && (k = read(0, path + n, 1)) == 1 && path[n] != '\n') n++;
		if (n == 0) return 0;
		path[n] = 0;
		size_t room = (size_t)(argv[3] + strlen(argv[3]) - argv[2]);
		if (n >= room) { say(1, "error spec path longer than the warm shim's room (%zu bytes)", room); return 1; }
		memset(argv[2], 0, room);
		memcpy(argv[2], path, n);
		return run_main(argv[2]);
	}
	if (argc == 3 && !strcmp(argv[1], "exec")) return exec_main(argv[2]);
#ifdef MD_SECCOMP
	if (argc == 4 && !strcmp(argv[1], "seccomp-compile")) {
		int r = md_seccomp_compile(argv[2], argv[3]);
		if (r < 0) { fprintf(stderr, "compile seccomp rules %s: %s\n", argv[2], strerror(-r)); return 1; }
		return 0;
	}
#endif
	fprintf(stderr, "usage: minidock-shim run|exec <specfile>\n");
	return 2;
}
