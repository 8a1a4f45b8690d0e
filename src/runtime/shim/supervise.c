/*
 * Run mode: the shim that stays as the parent of the container's PID 1 (like conmon).
 * It clones the container's process into its namespaces, writes the id maps, has helper M
 * build the rootfs, speaks the start handshake with the engine, then detaches and relays
 * stdio (pipes or a pty) to the log and to attach clients, reaps the container and writes
 * exit.json. Protocols: see main.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "shim.h"

#define MAX_CLIENTS 32

struct client { int fd; size_t have; unsigned char *buf; };

static struct spec S;
static int logfd = -1, stdin_w = -1, pty_m = -1, listen_fd = -1;
static struct client clients[MAX_CLIENTS];
static char exit_error[256];
static int detach_w = -1;
static int pty_hold = -1;
/* A tty container whose pty master has not come yet (before and right after the release):
 * stdin is kept for it and a size is kept for the release message. */
static int pty_wait;
static struct winsize first_ws;

static void drop_client(int i)
{
	close(clients[i].fd);
	free(clients[i].buf);
	clients[i].fd = -1;
	clients[i].buf = NULL;
}

/* Sends one stdcopy frame (the first 8 bytes of the log header are the same). A slow
 * client slows the relay (and so the container, like docker attach) but one that takes
 * no data for CLIENT_STALL_MS is dropped. */
#define CLIENT_STALL_MS 5000
static int send_frame(int fd, const unsigned char *h, const unsigned char *data, size_t n)
{
	size_t off = 0, total = n + 8;
	while (off < total) {
		struct iovec iov[2];
		int k = 0;
		if (off < 8) iov[k++] = (struct iovec){ (void *)(h + off), 8 - off };
		size_t doff = off < 8 ? 0 : off - 8;
		if (n > doff) iov[k++] = (struct iovec){ (void *)(data + doff), n - doff };
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = k };
		ssize_t w = sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w > 0) { off += w; continue; }
		if (w < 0 && errno == EINTR) continue;
		if (w < 0 && errno != EAGAIN) return -1;
		struct pollfd pf = { fd, POLLOUT, 0 };
		if (poll(&pf, 1, CLIENT_STALL_MS) <= 0 || (pf.revents & (POLLERR | POLLHUP))) return -1;
	}
	return 0;
}

/* Bounded logs (log_max_size): once the next bytes would take the log past the size, the
 * log becomes log.1 (log.1 becomes log.2 ... up to log_max_files - 1, the oldest dropped)
 * and a new log is started; a reader that follows finds the renamed file by its inode.
 * A file starts at the start of a line of both streams, as docker's json-file (one entry per
 * line) does: when the rotation is due in the middle of a line, the frame is split after the
 * newline that ends it and the rest goes to the new log; a line that runs LOG_LINE_SLACK past
 * the size without ending is cut there (docker cuts lines into 16 KiB partial entries). */
#define LOG_LINE_SLACK (16 * 1024)
static long long logsize;
static int midline[3]; /* per stream (1 stdout, 2 stderr): its last logged byte ended no line */

static void rotate_log(void)
{
	char from[4200], to[4200];
	close(logfd);
	logfd = -1;
	for (long long i = S.log_max_files - 1; i >= 1; i--) {
		if (i == 1) snprintf(from, sizeof(from), "%s", S.log);
		else snprintf(from, sizeof(from), "%s.%lld", S.log, i - 1);
		snprintf(to, sizeof(to), "%s.%lld", S.log, i);
		if (rename(from, to) < 0 && errno != ENOENT) { /* the next write tries again */ }
	}
	/* one file only: the log starts over (docker's max-file=1) */
	logfd = open(S.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (S.log_max_files <= 1 ? O_TRUNC : 0), 0640);
	logsize = 0;
}

static void log_frame(unsigned char h[16], const unsigned char *data, size_t n)
{
	if (logfd < 0) return;
	put_be32(h + 4, n);
	struct iovec iov[2] = { { h, 16 }, { (void *)data, n } };
	ssize_t w = writev(logfd, iov, 2);
	if (w > 0) logsize += w; /* disk full (w < 0): live clients still get it */
}

/* Logs a chunk of one stream, rotating first when it is due (above). */
static void log_chunk(unsigned char h[16], int stream, const unsigned char *data, size_t n)
{
	while (S.log_max_size > 0 && logsize > 0 && logsize + 16 + (long long)n > S.log_max_size) {
		if (!midline[1] && !midline[2]) { rotate_log(); break; }
		const unsigned char *nl = midline[3 - stream] ? NULL : memchr(data, '\n', n);
		if (nl && nl + 1 < data + n) { /* this stream's line ends inside the chunk: split there */
			size_t head = (size_t)(nl + 1 - data);
			log_frame(h, data, head);
			data += head;
			n -= head;
			midline[stream] = 0;
			rotate_log();
			break;
		}
		if (logsize + 16 + (long long)n > S.log_max_size + LOG_LINE_SLACK) rotate_log();
		break;
	}
	log_frame(h, data, n);
	if (n > 0) midline[stream] = data[n - 1] != '\n';
}

static void emit(int stream, const unsigned char *data, size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned char h[16] = { stream };
	put_be64(h + 8, (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec);
	log_chunk(h, stream, data, n);
	put_be32(h + 4, n);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0 && send_frame(clients[i].fd, h, data, n) < 0) drop_client(i);
}

/* Input for the container is queued and written without blocking: a container that
 * does not read its stdin must not stall the output relay (`cat big | run -i img cat`
 * would deadlock). Clients are not read while the queue is over STDIN_CAP. */
#define STDIN_CAP (256 * 1024)
static unsigned char *pend;
static size_t plen, pcap;
static int close_after_flush;

static int in_fd(void) { return pty_m >= 0 ? pty_m : stdin_w; }

static void finish_stdin(void)
{
	if (pty_m >= 0) { unsigned char eot = 4; if (write(pty_m, &eot, 1) < 0) { /* full: dropped */ } }
	else if (stdin_w >= 0) { close(stdin_w); stdin_w = -1; }
	close_after_flush = 0;
}

static void flush_stdin(void)
{
	if (pty_wait) return; /* written once the master is here */
	while (plen > 0 && in_fd() >= 0) {
		ssize_t n = write(in_fd(), pend, plen);
		if (n < 0) {
			if (errno == EINTR) continue;
			if (errno == EAGAIN) return;
			/* the container closed its stdin: drop what is queued */
			plen = 0;
			if (stdin_w >= 0) { close(stdin_w); stdin_w = -1; }
			break;
		}
		memmove(pend, pend + n, plen - n);
		plen -= n;
	}
	if (in_fd() < 0) plen = 0;
	if (plen == 0 && close_after_flush) finish_stdin();
}

static void queue_stdin(const unsigned char *d, size_t len)
{
	if (in_fd() < 0 && !pty_wait) return;
	if (plen + len > pcap) {
		pcap = (plen + len) * 2;
		pend = realloc(pend, pcap);
		if (!pend) _exit(1);
	}
	memcpy(pend + plen, d, len);
	plen += len;
	flush_stdin();
}

static void close_stdin(void)
{
	if (!S.in) return;
	close_after_flush = 1;
	flush_stdin();
}

static void client_input(int i)
{
	struct client *c = &clients[i];
	ssize_t n = read(c->fd, c->buf + c->have, BUF + 8 - c->have);
	if (n <= 0) { drop_client(i); return; }
	c->have += n;
	for (;;) {
		if (c->have < 8) return;
		uint32_t len = (uint32_t)c->buf[4] << 24 | c->buf[5] << 16 | c->buf[6] << 8 | c->buf[7];
		if (len > BUF) { drop_client(i); return; }
		if (c->have < 8 + len) return;
		unsigned char *d = c->buf + 8;
		switch (c->buf[0]) {
		case 0:
			if (!S.in) break; /* no stdin was asked for: the container's input is not ours to feed */
			queue_stdin(d, len);
			break;
		case 3:
			if (len >= 4 && (pty_m >= 0 || pty_wait)) {
				struct winsize ws = { .ws_row = d[0] << 8 | d[1], .ws_col = d[2] << 8 | d[3] };
				if (pty_m >= 0) ioctl(pty_m, TIOCSWINSZ, &ws);
				else first_ws = ws; /* goes with the release (take_early_clients) */
			}
			break;
		case 4:
			close_stdin();
			break;
		}
		memmove(c->buf, c->buf + 8 + len, c->have - 8 - len);
		c->have -= 8 + len;
	}
}

/* Takes one waiting connection on the attach socket; -1 when there was none. */
static int accept_client(void)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) return -1;
	int slot = -1;
	for (int i = 0; i < MAX_CLIENTS; i++) if (clients[i].fd < 0) { slot = i; break; }
	if (slot < 0) { close(fd); return 0; }
	int sz = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	clients[slot].fd = fd;
	clients[slot].have = 0;
	clients[slot].buf = malloc(BUF + 8);
	return 0;
}

/*
 * Right before a tty container is released: the engine attaches its clients before `go`
 * (so that no output is lost) and a client may have sent the terminal's size then. That
 * size must be the pty's before the command runs, or a first `stty size` reads 0 0 (busybox
 * then prints a stale errno: "No child processes"). Whatever those clients wrote before
 * `go` is in their sockets now (the engine wrote `go` after it), so polling without waiting
 * finds all of it: connections are accepted and their frames taken here; the size goes
 * with the release message, stdin is kept until the master comes.
 */
static void take_early_clients(void)
{
	struct pollfd lp = { listen_fd, POLLIN, 0 };
	while (poll(&lp, 1, 0) > 0 && (lp.revents & POLLIN) && accept_client() == 0) {}
	for (int i = 0; i < MAX_CLIENTS; i++) {
		for (;;) {
			if (clients[i].fd < 0 || plen >= STDIN_CAP) break;
			struct pollfd cp = { clients[i].fd, POLLIN, 0 };
			if (poll(&cp, 1, 0) <= 0) break;
			client_input(i);
		}
	}
}

static void iso_now(char *out, size_t cap)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char b[32];
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, cap, "%s.%09ldZ", b, ts.tv_nsec);
}

static void write_exit(int status)
{
	char when[64], body[512], tmp[4200];
	iso_now(when, sizeof(when));
	int n;
	if (WIFSIGNALED(status))
		n = snprintf(body, sizeof(body), "{\"exitCode\":%d,\"signal\":%d,\"finishedAt\":\"%s\"", 128 + WTERMSIG(status), WTERMSIG(status), when);
	else
		n = snprintf(body, sizeof(body), "{\"exitCode\":%d,\"finishedAt\":\"%s\"", WEXITSTATUS(status), when);
	if (exit_error[0]) n += snprintf(body + n, sizeof(body) - n, ",\"error\":\"%s\"", exit_error);
	snprintf(body + n, sizeof(body) - n, "}\n");
	snprintf(tmp, sizeof(tmp), "%s.tmp", S.exit);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) return;
	write_all(fd, body, strlen(body));
	fsync(fd);
	close(fd);
	rename(tmp, S.exit);
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", S.exit);
	char *sl = strrchr(dir, '/');
	if (sl) { *sl = 0; int d = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC); if (d >= 0) { fsync(d); close(d); } }
}

static void event_loop(pid_t c, int out_r, int err_r, int sigfd)
{
	static unsigned char buf[BUF];
	int outs[2] = { pty_m >= 0 ? pty_m : out_r, pty_m >= 0 ? -1 : err_r };
	int exited = 0, status = 0;
	for (;;) {
		struct pollfd p[5 + MAX_CLIENTS];
		int n = 0, open_outs = 0, take_input = !exited && plen < STDIN_CAP;
		p[n++] = (struct pollfd){ .fd = exited ? -1 : sigfd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = exited ? -1 : listen_fd, .events = POLLIN };
		for (int i = 0; i < 2; i++) { p[n++] = (struct pollfd){ .fd = outs[i], .events = POLLIN }; if (outs[i] >= 0) open_outs++; }
		for (int i = 0; i < MAX_CLIENTS; i++) p[n++] = (struct pollfd){ .fd = take_input ? clients[i].fd : -1, .events = POLLIN };
		/* a pty master is polled for POLLIN above already; POLLOUT is asked here separately */
		p[n++] = (struct pollfd){ .fd = !exited && plen > 0 ? in_fd() : -1, .events = POLLOUT };
		if (exited && open_outs == 0) break;
		/* after the exit, output still buffered in pipes is drained for a short while */
		int r = poll(p, n, exited ? (pty_hold >= 0 ? 100 : 1000) : -1);
		if (r < 0) { if (errno == EINTR) continue; break; }
		if (r == 0 && exited) break;
		if (p[0].revents) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) < 0) { /* spurious */ }
			if (waitpid(c, &status, WNOHANG) == c) exited = 1;
		}
		if (p[1].revents & POLLIN) accept_client();
		for (int i = 0; i < 2; i++) {
			if (outs[i] < 0 || !p[2 + i].revents) continue;
			ssize_t k = read(outs[i], buf, sizeof(buf));
			if (k > 0) emit(i + 1, buf, k);
			else if (k == 0 || (errno != EINTR && errno != EAGAIN)) { if (outs[i] != pty_m) close(outs[i]); outs[i] = -1; }
		}
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (clients[i].fd >= 0 && p[4 + i].revents) client_input(i);
		if (p[4 + MAX_CLIENTS].revents) flush_stdin();
	}
	/* exit.json first, then the socket goes, then clients see the close: whoever
	 * notices the close finds the final state */
	write_exit(status);
	unlink(S.sock);
	for (int i = 0; i < MAX_CLIENTS; i++) if (clients[i].fd >= 0) drop_client(i);
	_exit(0);
}

/* The descriptors the container's process keeps, and the shim's ends it closes. */
struct parent_fds { int sync_w, err_r, pty_sock, in_w, out_r, err2_r; };
static struct child_fds CF;
static struct parent_fds CP;
static sigset_t CSS;

/* In the container's process, right after it was cloned: the shim's descriptors go, then
 * container init (container.c). */
static void __attribute__((noreturn)) become_container(void)
{
	sigprocmask(SIG_UNBLOCK, &CSS, NULL);
	signal(SIGPIPE, SIG_DFL);
	close(CP.sync_w); close(CP.err_r);
	if (CP.pty_sock >= 0) close(CP.pty_sock);
	if (CP.in_w >= 0) close(CP.in_w);
	if (CP.out_r >= 0) close(CP.out_r);
	if (CP.err2_r >= 0) close(CP.err2_r);
	close(listen_fd);
	if (logfd >= 0) close(logfd);
	close(detach_w);
	child_main(&S, &CF);
}

/* Pod style (join_*): an intermediate process enters the holder's user namespace first
 * (the namespaces it joins next belong to it, and those it makes must too), makes the
 * namespaces it does not join (`flags`, without CLONE_NEWUSER), enters the joined ones,
 * and clones the container's process as the shim's child (CLONE_PARENT: the shim stays
 * its reaper; a new or joined PID namespace takes effect for that clone). The holders'
 * namespace files are opened here, as host root. Returns the container's host pid. */
static pid_t spawn_joined(long flags)
{
	const long long holder[5] = { S.join_user, S.join_net, S.join_ipc, S.join_uts, S.join_pid };
	static const char *name[5] = { "user", "net", "ipc", "uts", "pid" };
	static const int type[5] = { CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWPID };
	int fd[5];
	for (int i = 0; i < 5; i++) {
		fd[i] = -1;
		if (!holder[i]) continue;
		char p[64];
		snprintf(p, sizeof(p), "/proc/%lld/ns/%s", holder[i], name[i]);
		fd[i] = open(p, O_RDONLY | O_CLOEXEC);
		if (fd[i] < 0) fail("open %s namespace of %lld", name[i], holder[i]);
	}
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0) fail("pipe");
	pid_t mid = fork();
	if (mid < 0) fail("fork");
	if (mid == 0) {
		close(pp[0]);
		if (fd[0] >= 0 && setns(fd[0], CLONE_NEWUSER) < 0) fail("join user namespace of %lld", holder[0]);
		if (unshare(flags & ~CLONE_NEWUSER) < 0) fail("create namespaces");
		for (int i = 1; i < 5; i++)
			if (fd[i] >= 0 && setns(fd[i], type[i]) < 0) fail("join %s namespace of %lld", name[i], holder[i]);
		pid_t g = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
		if (g < 0) fail("clone container process");
		if (g == 0) become_container();
		_exit(write(pp[1], &g, sizeof(g)) == sizeof(g) ? 0 : 1);
	}
	close(pp[1]);
	for (int i = 0; i < 5; i++) if (fd[i] >= 0) close(fd[i]);
	pid_t g = -1;
	ssize_t r;
	while ((r = read(pp[0], &g, sizeof(g))) < 0 && errno == EINTR) {}
	close(pp[0]);
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR) {}
	if (r != sizeof(g)) { unlink(S.sock); _exit(1); } /* the intermediate reported why */
	return g;
}

int run_main(const char *specfile)
{
	parse_spec(specfile, SPEC_RUN, &S);
	first_ws.ws_row = (unsigned short)S.tty_rows; /* ConsoleSize; an attach resize before the start replaces it */
	first_ws.ws_col = (unsigned short)S.tty_cols;
	int seccomp_fd = md_seccomp_open(&S);
	signal(SIGPIPE, SIG_IGN);
	/* detach from the engine: its restart must not take the container with it */
	/* the first process stays until the handshake is over (the engine may treat its exit
	 * as the end of the pipes), then exits and leaves the shim to init */
	int detach[2];
	if (pipe2(detach, O_CLOEXEC) < 0) fail("pipe");
	pid_t d = fork();
	if (d < 0) fail("fork");
	if (d > 0) {
		char x;
		close(detach[1]);
		while (read(detach[0], &x, 1) > 0) {}
		_exit(0);
	}
	close(detach[0]);
	detach_w = detach[1];
	setsid();
	if (chdir("/") < 0) fail("chdir /"); /* do not pin the engine's cwd */
	for (int i = 0; i < MAX_CLIENTS; i++) clients[i].fd = -1;
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (!S.log_discard) {
		logfd = open(S.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (logfd < 0) fail("open log %s", S.log);
		struct stat lst;
		if (fstat(logfd, &lst) == 0) logsize = lst.st_size; /* a restarted container appends */
	}
	if (S.log_max_files < 1) S.log_max_files = 1;

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(S.sock) >= sizeof(sa.sun_path)) { errno = ENAMETOOLONG; fail("attach socket %s", S.sock); }
	strcpy(sa.sun_path, S.sock);
	unlink(S.sock);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(listen_fd, 16) < 0)
		fail("listen on %s", S.sock);
	chmod(S.sock, 0600);

	int syncp[2], errp[2], ptys[2] = { -1, -1 }, inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, err2p[2] = { -1, -1 };
	if (pipe2(syncp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) fail("pipe");
	if (S.tty) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ptys) < 0) fail("socketpair");
	} else {
		if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(err2p, O_CLOEXEC) < 0) fail("pipe");
		if (S.in) { if (pipe2(inp, O_CLOEXEC) < 0) fail("pipe"); }
		else inp[0] = devnull;
		/* a pipe is one inode for both ends; -1 (unmapped) leaves it to root */
		int owned[3] = { outp[1], err2p[1], S.in ? inp[0] : -1 };
		for (int i = 0; i < 3; i++)
			if (owned[i] >= 0 && fchown(owned[i], S.stdio_uid, S.stdio_gid) < 0) fail("chown stdio pipe");
	}
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGCHLD);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	int sigfd = signalfd(-1, &ss, SFD_CLOEXEC);

	long flags = CLONE_NEWNS;
	if (!S.host_pid && !S.join_pid) flags |= CLONE_NEWPID;
	if (!S.host_uts && !S.join_uts) flags |= CLONE_NEWUTS;
	if (!S.host_ipc && !S.join_ipc) flags |= CLONE_NEWIPC;
	if (strcmp(S.net, "host") && !S.join_net) flags |= CLONE_NEWNET;
	if (S.uidmap.n && !S.join_user) flags |= CLONE_NEWUSER;
	CF = (struct child_fds){ syncp[0], errp[1], ptys[1], inp[0], outp[1], err2p[1], seccomp_fd };
	CP = (struct parent_fds){ syncp[1], errp[0], ptys[0], inp[1], outp[0], err2p[0] };
	CSS = ss;
	int joining = S.join_user || S.join_net || S.join_ipc || S.join_uts || S.join_pid;
	pid_t c;
	if (joining) c = spawn_joined(flags);
	else {
		c = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
		if (c < 0) fail("clone container process");
		if (c == 0) become_container();
	}
	close(syncp[0]); close(errp[1]);
	if (seccomp_fd >= 0) close(seccomp_fd);
	if (ptys[1] >= 0) close(ptys[1]);
	if (inp[0] >= 0 && inp[0] != devnull) close(inp[0]);
	if (outp[1] >= 0) close(outp[1]);
	if (err2p[1] >= 0) close(err2p[1]);
	stdin_w = inp[1];
	if (stdin_w >= 0) fcntl(stdin_w, F_SETFL, O_NONBLOCK);

	char path[128], map[1024];
	if (S.uidmap.n && !S.join_user) {
		/* setgroups stays "allow": a privileged writer sets the maps, and setgroups(2) is
		 * needed to drop inherited host groups and set additional gids */
		struct strv *maps[2] = { &S.uidmap, &S.gidmap };
		const char *files[2] = { "uid_map", "gid_map" };
		for (int k = 0; k < 2; k++) {
			map[0] = 0;
			for (int i = 0; i < maps[k]->n; i++) { strncat(map, maps[k]->v[i], sizeof(map) - strlen(map) - 2); strcat(map, "\n"); }
			snprintf(path, sizeof(path), "/proc/%d/%s", c, files[k]);
			if (write_file(path, map) < 0) { kill(c, SIGKILL); fail("write %s", path); }
		}
	}
	pid_t m = fork();
	if (m < 0) { kill(c, SIGKILL); fail("fork"); }
	if (m == 0) { mount_rootfs(&S, c); _exit(0); }
	int ms;
	if (waitpid(m, &ms, 0) < 0 || !WIFEXITED(ms) || WEXITSTATUS(ms)) {
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		unlink(S.sock);
		_exit(1); /* the helper already reported the error */
	}
	say(1, "pid %d %d", c, getpid());
	char line[256];
	ssize_t n, k;
	for (;;) {
		n = 0;
		while (n < (ssize_t)sizeof(line) - 1 && (k = read(0, line + n, 1)) == 1 && line[n] != '\n') n++;
		line[n] = 0;
		if (strncmp(line, "veth ", 5)) break;
		/* a veth endpoint for the container's netns (netlink.c), before `go` */
		struct veth_req v;
		char why[400];
		if (veth_parse(line + 5, &v) < 0) say(1, "veth error malformed request: %s", line + 5);
		else if (veth_setup(&v, c, why, sizeof(why)) < 0) say(1, "veth error %s", why);
		else say(1, "veth ok");
	}
	if (strcmp(line, "go")) {
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		unlink(S.sock);
		_exit(1);
	}
	pty_wait = !!S.tty;
	if (S.tty) take_early_clients();
	struct release_msg rel = { .go = 'g', .ws = first_ws };
	if (write(syncp[1], &rel, sizeof(rel)) != sizeof(rel)) fail("release container");
	close(syncp[1]);
	if (S.tty) {
		pty_m = recv_fd(ptys[0]); /* -1 when C failed before the pty existed */
		close(ptys[0]);
		/* holding a slave keeps master reads from failing with EIO before the last
		 * output is readable; the exit is seen through SIGCHLD instead */
		if (pty_m >= 0) pty_hold = ioctl(pty_m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (pty_m >= 0) fcntl(pty_m, F_SETFL, O_NONBLOCK);
		pty_wait = 0;
		flush_stdin(); /* input sent before the start (dropped if there is no master) */
	}
	char msg[512];
	n = 0;
	while (n < (ssize_t)sizeof(msg) - 1 && (k = read(errp[0], msg + n, sizeof(msg) - 1 - n)) > 0) n += k;
	msg[n] = 0;
	close(errp[0]);
	if (n > 0) {
		if (msg[n - 1] == '\n') msg[n - 1] = 0;
		if (write(1, msg, strlen(msg)) < 0 || write(1, "\n", 1) < 0) { /* engine gone */ }
		/* keep a JSON-safe copy for exit.json */
		size_t j = 0;
		for (char *q = msg; *q && j < sizeof(exit_error) - 1; q++) exit_error[j++] = (*q == '"' || *q == '\\' || *q < 32) ? ' ' : *q;
		exit_error[j] = 0;
	} else {
		say(1, "started");
	}
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	close(detach_w);
	event_loop(c, outp[0], err2p[0], sigfd);
	return 0;
}

