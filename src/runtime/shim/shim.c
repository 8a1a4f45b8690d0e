/*
 * minidock-shim: one small process per container, parent of the container's PID 1
 * (like podman's conmon). Syscalls only: every decision is made by the TypeScript
 * runtime and passed in a spec file.
 *
 * Usage:
 *   minidock-shim run  <specfile>   start a container (see "run protocol")
 *   minidock-shim exec <specfile>   run a process inside a running container
 *
 * Spec file: one `key value` per line. The value is everything after the first
 * space, with escapes `\\` (backslash) and `\n` (newline). Repeated keys build lists
 * in order. Keys:
 *   run:  layer (bottom first, repeated), upper, work, rundir, rootfs, arg (repeated),
 *         env (repeated), cwd, uid, gid, group (supplementary gid, repeated), hostname,
 *         tty (0|1), stdin (0|1), uidmap/gidmap ("cid hostid size", repeated; none at all
 *         = no user namespace), net (new|host), etc_hostname, etc_hosts, etc_resolv,
 *         log, exit, sock, stdio_uid/stdio_gid (host ids that own the stdio pipes),
 *         sysctl ("net/ipv6/conf/all/disable_ipv6 1", repeated; written inside the namespaces),
 *         seccomp (path of the seccomp rules, see seccomp.h; absent = no filter)
 *   exec: pid, arg, env, cwd, uid, gid, group, tty, seccomp
 *
 * Run protocol (stdin/stdout of the shim are pipes from the engine):
 *   shim -> engine  `pid <container host pid> <shim pid>` once namespaces and rootfs exist
 *   engine -> shim  `go` (anything else, or EOF, kills the container)
 *   shim -> engine  `started` | `execfail <errno>` | `error <message>`; then the shim
 *                   detaches from the engine's pipes. Setup failures before `pid` are
 *                   reported as `error <message>` too.
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
 *
 * Capabilities are not dropped (not implemented yet).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#ifdef MD_SECCOMP
#include "seccomp.h"
#endif

extern char **environ;

/* ---------- spec ---------- */

struct strv { char **v; int n; };

static void strv_push(struct strv *s, char *x)
{
	s->v = realloc(s->v, sizeof(char *) * (s->n + 2));
	if (!s->v) _exit(1);
	s->v[s->n++] = x;
	s->v[s->n] = NULL;
}

struct spec {
	struct strv layer, arg, env, group, uidmap, gidmap, sysctl;
	char *upper, *work, *rundir, *rootfs, *cwd, *hostname, *net;
	char *etc_hostname, *etc_hosts, *etc_resolv, *log, *exit, *sock, *seccomp;
	int uid, gid, tty, in, pid, stdio_uid, stdio_gid;
};

static char *unescape(char *s)
{
	char *r = s, *w = s;
	while (*r) {
		if (*r == '\\' && r[1] == 'n') { *w++ = '\n'; r += 2; }
		else if (*r == '\\' && r[1] == '\\') { *w++ = '\\'; r += 2; }
		else *w++ = *r++;
	}
	*w = 0;
	return s;
}

static int parse_spec(const char *file, struct spec *sp)
{
	FILE *f = fopen(file, "re");
	if (!f) return -1;
	memset(sp, 0, sizeof(*sp));
	sp->cwd = "/";
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
		char *sp1 = strchr(line, ' ');
		if (!sp1) continue;
		*sp1 = 0;
		char *k = line, *v = strdup(unescape(sp1 + 1));
		if (!strcmp(k, "layer")) strv_push(&sp->layer, v);
		else if (!strcmp(k, "arg")) strv_push(&sp->arg, v);
		else if (!strcmp(k, "env")) strv_push(&sp->env, v);
		else if (!strcmp(k, "group")) strv_push(&sp->group, v);
		else if (!strcmp(k, "uidmap")) strv_push(&sp->uidmap, v);
		else if (!strcmp(k, "gidmap")) strv_push(&sp->gidmap, v);
		else if (!strcmp(k, "sysctl")) strv_push(&sp->sysctl, v);
		else if (!strcmp(k, "upper")) sp->upper = v;
		else if (!strcmp(k, "work")) sp->work = v;
		else if (!strcmp(k, "rundir")) sp->rundir = v;
		else if (!strcmp(k, "rootfs")) sp->rootfs = v;
		else if (!strcmp(k, "cwd")) sp->cwd = v;
		else if (!strcmp(k, "hostname")) sp->hostname = v;
		else if (!strcmp(k, "net")) sp->net = v;
		else if (!strcmp(k, "etc_hostname")) sp->etc_hostname = v;
		else if (!strcmp(k, "etc_hosts")) sp->etc_hosts = v;
		else if (!strcmp(k, "etc_resolv")) sp->etc_resolv = v;
		else if (!strcmp(k, "log")) sp->log = v;
		else if (!strcmp(k, "exit")) sp->exit = v;
		else if (!strcmp(k, "sock")) sp->sock = v;
		else if (!strcmp(k, "seccomp")) sp->seccomp = v;
		else if (!strcmp(k, "uid")) sp->uid = atoi(v);
		else if (!strcmp(k, "stdio_uid")) sp->stdio_uid = atoi(v);
		else if (!strcmp(k, "stdio_gid")) sp->stdio_gid = atoi(v);
		else if (!strcmp(k, "gid")) sp->gid = atoi(v);
		else if (!strcmp(k, "tty")) sp->tty = atoi(v);
		else if (!strcmp(k, "stdin")) sp->in = atoi(v);
		else if (!strcmp(k, "pid")) sp->pid = atoi(v);
	}
	free(line);
	fclose(f);
	if (sp->arg.n == 0) { errno = EINVAL; return -1; }
	return 0;
}

/* ---------- small helpers ---------- */

static int report_fd = 1; /* where `error ...` lines go */

static void say(int fd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0) return;
	if (n > (int)sizeof(buf) - 2) n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(fd, buf, n) < 0) { /* nobody to tell */ }
}

/* Report "error <what>: <strerror>" and exit. */
static void fail(const char *fmt, ...)
{
	int e = errno;
	char what[800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	say(report_fd, "error %s: %s", what, strerror(e));
	_exit(1);
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t n = write(fd, data, strlen(data));
	close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) { if (errno == EINTR) continue; return -1; }
		p += n;
		len -= n;
	}
	return 0;
}

static void put_be32(unsigned char *b, uint32_t v) { b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v; }

static void put_be64(unsigned char *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--) { b[i] = v & 0xff; v >>= 8; }
}

/* Finds a program like Docker does (PATH from the container's env, no /bin/sh fallback
 * on ENOEXEC) and execs it. Returns the errno to report. */
static int exec_program(char **argv, char **envp)
{
	const char *name = argv[0];
	environ = envp;
	if (strchr(name, '/')) {
		execve(name, argv, envp);
	} else {
		const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
		for (char **e = envp; e && *e; e++)
			if (!strncmp(*e, "PATH=", 5)) path = *e + 5;
		int saw_eacces = 0;
		char full[4096];
		const char *p = path;
		for (;;) {
			const char *end = strchr(p, ':');
			size_t dl = end ? (size_t)(end - p) : strlen(p);
			snprintf(full, sizeof(full), "%.*s/%s", (int)dl, dl ? p : ".", name);
			execve(full, argv, envp);
			if (errno == EACCES) saw_eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR) return errno;
			if (!end) break;
			p = end + 1;
		}
		return saw_eacces ? EACCES : ENOENT;
	}
	int e = errno;
	struct stat st;
	/* execve says EACCES for a directory; Docker reports "is a directory" */
	if (e == EACCES && stat(name, &st) == 0 && S_ISDIR(st.st_mode)) e = EISDIR;
	return e;
}

static int set_identity(int uid, int gid, struct strv *groups)
{
	gid_t gs[64];
	int n = 0;
	for (int i = 0; i < groups->n && n < 64; i++) gs[n++] = atoi(groups->v[i]);
	if (setgroups(n, gs) < 0) return -1;
	if (setresgid(gid, gid, gid) < 0) return -1;
	if (setresuid(uid, uid, uid) < 0) return -1;
	return 0;
}

/* The seccomp rules (a host file of the engine's, mode 0600) are opened by the shim before
 * it enters the user namespace or changes root; the container process inherits the fd. */
static int seccomp_fd = -1;

static void open_seccomp(const char *rules)
{
	if (rules && (seccomp_fd = open(rules, O_RDONLY | O_CLOEXEC)) < 0) fail("open seccomp rules %s", rules);
}

/* The container's seccomp filter, loaded while still root with all capabilities in the
 * user namespace (loading without no_new_privs needs CAP_SYS_ADMIN there, as in runc). */
static void load_seccomp(const char *rules)
{
	if (seccomp_fd < 0) return;
#ifdef MD_SECCOMP
	int r = md_seccomp_apply_fd(seccomp_fd);
	if (r < 0) { errno = -r; fail("load seccomp filter %s", rules); }
#else
	errno = ENOSYS;
	fail("load seccomp filter %s (shim built without seccomp)", rules);
#endif
}

static int mkdir_p(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/') continue;
		*p = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
	return 0;
}

/* ---------- container setup (runs in the child C) ---------- */

static int rootfd = -1;

/* Opens `rel` inside the rootfs with symlinks resolved inside it (an image cannot point
 * a mount target at the host), creating it as a dir or an empty file if missing. */
static int open_in_root(const char *rel, int dir)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", rel);
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	int fd = syscall(SYS_openat2, rootfd, buf, &how, sizeof(how));
	if (fd >= 0) return fd;
	if (errno != ENOENT) return -1;
	/* create parents one component at a time, each resolved inside the root */
	for (char *p = buf; ; p++) {
		if (*p != '/' && *p != 0) continue;
		char saved = *p;
		*p = 0;
		if (*buf) {
			char *slash = strrchr(buf, '/');
			const char *base = slash ? slash + 1 : buf;
			struct open_how ph = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
			int pfd;
			if (slash) { *slash = 0; pfd = syscall(SYS_openat2, rootfd, *buf ? buf : "/", &ph, sizeof(ph)); *slash = '/'; }
			else pfd = syscall(SYS_openat2, rootfd, ".", &ph, sizeof(ph));
			if (pfd < 0) return -1;
			int r = 0;
			if (saved == 0 && !dir) {
				r = openat(pfd, base, O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
				if (r >= 0) close(r), r = 0;
			} else {
				r = mkdirat(pfd, base, 0755);
			}
			close(pfd);
			if (r < 0 && errno != EEXIST) return -1;
		}
		*p = saved;
		if (!saved) break;
	}
	return syscall(SYS_openat2, rootfd, buf, &how, sizeof(how));
}

/* mount(2) onto a target inside the rootfs; the target is named through its fd. */
static void mount_in_root(const char *src, const char *rel, const char *type, unsigned long flags, const char *data, int dir)
{
	int fd = open_in_root(rel, dir);
	if (fd < 0) fail("open mount target %s", rel);
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	if (mount(src, p, type, flags, data) < 0) fail("mount %s on %s (type %s, options %s)", src, rel, type ? type : "bind", data ? data : "");
	close(fd);
}

/* Read-only bind remount that keeps the locked flags (nosuid/nodev/noexec) a user
 * namespace is not allowed to clear. */
static int remount_ro(const char *target)
{
	struct statvfs sv;
	if (statvfs(target, &sv) < 0) return -1;
	unsigned long fl = MS_BIND | MS_REMOUNT | MS_RDONLY;
	if (sv.f_flag & ST_NOSUID) fl |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV) fl |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC) fl |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME) fl |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME) fl |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME) fl |= MS_RELATIME;
	return mount(NULL, target, NULL, fl, NULL);
}

static void setup_dev(void)
{
	mount_in_root("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", 1);
	static const char *nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	for (unsigned i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		char host[64], rel[64];
		snprintf(host, sizeof(host), "/dev/%s", nodes[i]);
		snprintf(rel, sizeof(rel), "dev/%s", nodes[i]);
		/* mknod is refused in a user namespace, so host nodes are bind-mounted */
		mount_in_root(host, rel, NULL, MS_BIND, NULL, 0);
	}
	int fd = open_in_root("dev/pts", 1);
	if (fd < 0) fail("create dev/pts");
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	if (mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 &&
	    mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
		fail("mount devpts on dev/pts");
	close(fd);
	mount_in_root("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", 1);
	mount_in_root("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	int dfd = open_in_root("dev", 1);
	int real = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(dfd);
	if (real < 0) fail("open dev");
	static const char *links[][2] = {
		{ "pts/ptmx", "ptmx" }, { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	};
	for (unsigned i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][0], real, links[i][1]) < 0 && errno != EEXIST) fail("symlink dev/%s", links[i][1]);
	close(real);
}

static void mask_proc(void)
{
	static const char *masked[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
		"/proc/latency_stats", "/proc/timer_stats" };
	for (unsigned i = 0; i < sizeof(masked) / sizeof(masked[0]); i++)
		if (mount("/dev/null", masked[i], NULL, MS_BIND, NULL) < 0 && errno != ENOENT) fail("mask %s", masked[i]);
	static const char *ro[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };
	for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		if (mount(ro[i], ro[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT) continue;
			fail("bind %s", ro[i]);
		}
		if (remount_ro(ro[i]) < 0) fail("remount %s read-only", ro[i]);
	}
}

static void send_fd(int sock, int fd)
{
	char c = 'm';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) < 0) fail("send pty master");
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0) return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS) return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Opens a pty pair from the devpts instance at /dev (the container's, after pivot). */
static int open_pty(int *slave)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0) return -1;
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0) return -1;
	*slave = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (*slave < 0) return -1;
	return m;
}

static void make_controlling(int slave, int uid)
{
	if (setsid() < 0) fail("setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0) fail("set controlling terminal");
	if (fchown(slave, uid, -1) < 0) { /* unmapped uid: keep root's tty, still usable via the fd */ }
	for (int i = 0; i < 3; i++) if (dup2(slave, i) < 0) fail("dup2 pty");
	if (slave > 2) close(slave);
}

struct child_fds { int sync_r, err_w, pty_sock, in_r, out_w, err2_w; };

static void child_main(struct spec *sp, struct child_fds *f)
{
	report_fd = f->err_w;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	umask(022); /* Docker's default for the container, whatever the engine's is */
	char b;
	if (read(f->sync_r, &b, 1) != 1) _exit(1); /* shim gone or told to abort */
	close(f->sync_r);
	/* become the namespace's root (our host-root kuid is unmapped in the new userns) */
	if (sp->uidmap.n && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) fail("become root in user namespace");
	if (!sp->tty) {
		if (dup2(f->in_r, 0) < 0 || dup2(f->out_w, 1) < 0 || dup2(f->err2_w, 2) < 0) fail("dup2 stdio");
	}
	/* namespaced sysctls ("net/ipv6/conf/all/disable_ipv6 1"): /proc/sys/net is the netns of
	 * the writer, so they are written from here, after the engine set up the interfaces */
	for (int i = 0; i < sp->sysctl.n; i++) {
		char key[256], path[300];
		const char *val = strchr(sp->sysctl.v[i], ' ');
		if (!val || (size_t)(val - sp->sysctl.v[i]) >= sizeof(key)) fail("bad sysctl %s", sp->sysctl.v[i]);
		memcpy(key, sp->sysctl.v[i], val - sp->sysctl.v[i]);
		key[val - sp->sysctl.v[i]] = 0;
		snprintf(path, sizeof(path), "/proc/sys/%s", key);
		if (write_file(path, val + 1) < 0) fail("write sysctl %s", key);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail("make mounts private");
	rootfd = open(sp->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) fail("open rootfs %s", sp->rootfs);
	mount_in_root("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	{
		int fd = open_in_root("sys", 1);
		if (fd < 0) fail("create sys");
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		/* sysfs needs a netns owned by our userns; otherwise bind the host's read-only */
		if (mount("sysfs", p, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			if (mount("/sys", p, NULL, MS_BIND | MS_REC, NULL) < 0) fail("bind /sys");
			/* the old fd names the dir under the new mount: reopen to reach the mount */
			close(fd);
			fd = open_in_root("sys", 1);
			snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
			if (fd < 0 || remount_ro(p) < 0) fail("remount sys read-only");
		}
		close(fd);
	}
	setup_dev();
	if (sp->etc_hostname) mount_in_root(sp->etc_hostname, "etc/hostname", NULL, MS_BIND, NULL, 0);
	if (sp->etc_hosts) mount_in_root(sp->etc_hosts, "etc/hosts", NULL, MS_BIND, NULL, 0);
	if (sp->etc_resolv) mount_in_root(sp->etc_resolv, "etc/resolv.conf", NULL, MS_BIND, NULL, 0);
	if (chdir(sp->rootfs) < 0) fail("chdir %s", sp->rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root %s", sp->rootfs);
	/* the old root is stacked on top of the new one: detach it so the host root is gone */
	if (umount2(".", MNT_DETACH) < 0) fail("detach old root");
	if (chdir("/") < 0) fail("chdir /");
	mask_proc();
	if (sp->hostname && sethostname(sp->hostname, strlen(sp->hostname)) < 0) fail("sethostname %s", sp->hostname);
	if (mkdir_p(sp->cwd) < 0) fail("create working directory %s", sp->cwd);
	if (sp->tty) {
		int slave;
		int m = open_pty(&slave);
		if (m < 0) fail("open /dev/ptmx");
		send_fd(f->pty_sock, m);
		close(m);
		close(f->pty_sock);
		make_controlling(slave, sp->uid);
	}
	load_seccomp(sp->seccomp);
	if (set_identity(sp->uid, sp->gid, &sp->group) < 0) fail("set user %d:%d", sp->uid, sp->gid);
	if (chdir(sp->cwd) < 0) fail("chdir to working directory %s", sp->cwd);
	/* credential changes clear the parent-death signal: set it again so the container
	 * never outlives its shim (nobody would reap it or take its output) */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* everything but stdio closes at exec; err_w closing tells the shim exec worked */
	syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
	int e = exec_program(sp->arg.v, sp->env.v);
	say(f->err_w, "execfail %d", e);
	_exit(e == ENOENT ? 127 : 126);
}

/* Runs in helper M inside C's mount namespace: idmapped lower layers + overlay. */
static void mount_rootfs(struct spec *sp, pid_t c)
{
	char p[128];
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", c);
	int mntfd = open(p, O_RDONLY | O_CLOEXEC);
	if (mntfd < 0) fail("open %s", p);
	int userfd = -1;
	if (sp->uidmap.n) {
		snprintf(p, sizeof(p), "/proc/%d/ns/user", c);
		userfd = open(p, O_RDONLY | O_CLOEXEC);
		if (userfd < 0) fail("open %s", p);
	}
	if (setns(mntfd, CLONE_NEWNS) < 0) fail("join mount namespace of %d", c);
	/* nothing mounted here may propagate back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) fail("make mounts slave");
	char lower[4096];
	snprintf(lower, sizeof(lower), "%s/lower", sp->rundir);
	if (chdir(lower) < 0) fail("chdir %s", lower);
	for (int i = 0; i < sp->layer.n; i++) {
		char target[32];
		snprintf(target, sizeof(target), "%d", i);
		if (mkdir(target, 0700) < 0 && errno != EEXIST) fail("mkdir %s/%s", lower, target);
		if (userfd >= 0) {
			int tree = open_tree(AT_FDCWD, sp->layer.v[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
			if (tree < 0) fail("open_tree %s", sp->layer.v[i]);
			struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY, .userns_fd = userfd };
			if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) fail("idmap layer %s", sp->layer.v[i]);
			if (move_mount(tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) fail("move_mount layer %s", sp->layer.v[i]);
			close(tree);
		} else if (mount(sp->layer.v[i], target, NULL, MS_BIND, NULL) < 0) {
			fail("bind layer %s", sp->layer.v[i]);
		}
	}
	/* relative lowerdir names (cwd is lower/) keep the option string short; top first */
	size_t cap = 64 + sp->layer.n * 12 + strlen(sp->upper) + strlen(sp->work);
	char *opts = malloc(cap), *o = opts;
	o += sprintf(o, "lowerdir=");
	for (int i = sp->layer.n - 1; i >= 0; i--) o += sprintf(o, "%d%s", i, i ? ":" : "");
	sprintf(o, ",upperdir=%s,workdir=%s", sp->upper, sp->work);
	if (mount("overlay", sp->rootfs, "overlay", 0, opts) < 0) fail("mount overlay on %s (%s)", sp->rootfs, opts);
	for (int i = 0; i < sp->layer.n; i++) {
		char target[32];
		snprintf(target, sizeof(target), "%d", i);
		if (umount2(target, MNT_DETACH) < 0) fail("detach layer mount %s/%s", lower, target);
	}
}

/* ---------- shim event loop (run mode) ---------- */

#define MAX_CLIENTS 32
#define BUF 32768

struct client { int fd; size_t have; unsigned char *buf; };

static struct spec S;
static int logfd = -1, stdin_w = -1, pty_m = -1, listen_fd = -1;
static struct client clients[MAX_CLIENTS];
static char exit_error[256];
static int detach_w = -1;
static int pty_hold = -1;

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

static void emit(int stream, const unsigned char *data, size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned char h[16] = { stream };
	put_be32(h + 4, n);
	put_be64(h + 8, (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec);
	struct iovec iov[2] = { { h, 16 }, { (void *)data, n } };
	if (logfd >= 0 && writev(logfd, iov, 2) < 0) { /* disk full: live clients still get it */ }
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
	if (in_fd() < 0) return;
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
			if (len >= 4 && pty_m >= 0) {
				struct winsize ws = { .ws_row = d[0] << 8 | d[1], .ws_col = d[2] << 8 | d[3] };
				ioctl(pty_m, TIOCSWINSZ, &ws);
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
		if (p[1].revents & POLLIN) {
			int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0) {
				int slot = -1;
				for (int i = 0; i < MAX_CLIENTS; i++) if (clients[i].fd < 0) { slot = i; break; }
				if (slot < 0) close(fd);
				else {
					int sz = 1 << 20;
					setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
					clients[slot].fd = fd;
					clients[slot].have = 0;
					clients[slot].buf = malloc(BUF + 8);
				}
			}
		}
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

static int run_main(const char *specfile)
{
	if (parse_spec(specfile, &S) < 0) fail("read spec %s", specfile);
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
	logfd = open(S.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (logfd < 0) fail("open log %s", S.log);

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

	open_seccomp(S.seccomp);
	long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
	if (S.uidmap.n) flags |= CLONE_NEWUSER;
	if (!S.net || strcmp(S.net, "host")) flags |= CLONE_NEWNET;
	pid_t c = syscall(SYS_clone, flags, 0, 0, 0, 0);
	if (c < 0) fail("clone container process");
	if (c == 0) {
		sigprocmask(SIG_UNBLOCK, &ss, NULL);
		signal(SIGPIPE, SIG_DFL);
		struct child_fds f = { syncp[0], errp[1], ptys[1], inp[0], outp[1], err2p[1] };
		close(syncp[1]); close(errp[0]);
		if (ptys[0] >= 0) close(ptys[0]);
		if (inp[1] >= 0) close(inp[1]);
		if (outp[0] >= 0) close(outp[0]);
		if (err2p[0] >= 0) close(err2p[0]);
		close(listen_fd);
		close(logfd);
		close(detach_w);
		child_main(&S, &f);
	}
	close(syncp[0]); close(errp[1]);
	if (ptys[1] >= 0) close(ptys[1]);
	if (inp[0] >= 0 && inp[0] != devnull) close(inp[0]);
	if (outp[1] >= 0) close(outp[1]);
	if (err2p[1] >= 0) close(err2p[1]);
	stdin_w = inp[1];
	if (stdin_w >= 0) fcntl(stdin_w, F_SETFL, O_NONBLOCK);

	char path[128], map[1024];
	if (S.uidmap.n) {
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
	char line[64];
	ssize_t n = 0, k;
	while (n < (ssize_t)sizeof(line) - 1 && (k = read(0, line + n, 1)) == 1 && line[n] != '\n') n++;
	line[n] = 0;
	if (strcmp(line, "go")) {
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		unlink(S.sock);
		_exit(1);
	}
	if (write(syncp[1], "g", 1) != 1) fail("release container");
	close(syncp[1]);
	if (S.tty) {
		pty_m = recv_fd(ptys[0]); /* -1 when C failed before the pty existed */
		close(ptys[0]);
		/* holding a slave keeps master reads from failing with EIO before the last
		 * output is readable; the exit is seen through SIGCHLD instead */
		if (pty_m >= 0) pty_hold = ioctl(pty_m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (pty_m >= 0) fcntl(pty_m, F_SETFL, O_NONBLOCK);
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

/* ---------- exec mode ---------- */

static int exec_main(const char *specfile)
{
	report_fd = 3;
	struct spec sp;
	if (parse_spec(specfile, &sp) < 0) fail("read spec %s", specfile);
	signal(SIGPIPE, SIG_IGN);
	open_seccomp(sp.seccomp);
	static const struct { const char *name; int flag; } ns[] = {
		{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID },
		{ "uts", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET },
	};
	int fds[6];
	char p[128];
	snprintf(p, sizeof(p), "/proc/%d/root", sp.pid);
	int root = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) fail("open %s", p);
	int joined_user = 0;
	for (int i = 0; i < 6; i++) {
		struct stat a, b;
		snprintf(p, sizeof(p), "/proc/%d/ns/%s", sp.pid, ns[i].name);
		fds[i] = open(p, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) fail("open %s", p);
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/ns/%s", ns[i].name);
		/* joining the namespace we are already in is refused for userns: skip equal ones */
		if (fstat(fds[i], &a) == 0 && stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) { close(fds[i]); fds[i] = -1; }
	}
	for (int i = 0; i < 6; i++) {
		if (fds[i] < 0) continue;
		if (setns(fds[i], ns[i].flag) < 0) fail("join %s namespace of %d", ns[i].name, sp.pid);
		if (i == 0) joined_user = 1;
		close(fds[i]);
	}
	umask(022);
	if (joined_user && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) fail("become root in user namespace");
	if (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0) fail("chroot to container root");
	close(root);
	int slave = -1, master = -1;
	if (sp.tty) {
		master = open_pty(&slave);
		if (master < 0) fail("open /dev/ptmx");
	}
	int errp[2];
	if (pipe2(errp, O_CLOEXEC) < 0) fail("pipe");
	pid_t c = fork(); /* the child is the first one inside the pid namespace */
	if (c < 0) fail("fork");
	if (c == 0) {
		signal(SIGPIPE, SIG_DFL);
		report_fd = errp[1];
		close(errp[0]);
		if (sp.tty) { close(master); make_controlling(slave, sp.uid); }
		close(3);
		load_seccomp(sp.seccomp);
		if (set_identity(sp.uid, sp.gid, &sp.group) < 0) fail("set user %d:%d", sp.uid, sp.gid);
		if (chdir(sp.cwd) < 0) fail("chdir to working directory %s", sp.cwd);
		int e = exec_program(sp.arg.v, sp.env.v);
		say(errp[1], "execfail %d", e);
		_exit(e == ENOENT ? 127 : 126);
	}
	close(errp[1]);
	/* the slave stays open here: a master read then never fails with EIO, which can
	 * come before the last output is readable; the exit is seen through a pidfd */
	char msg[512];
	ssize_t n = 0, k;
	while (n < (ssize_t)sizeof(msg) - 1 && (k = read(errp[0], msg + n, sizeof(msg) - 1 - n)) > 0) n += k;
	msg[n] = 0;
	if (n > 0) {
		if (write(3, msg, n) < 0) { /* engine gone */ }
	} else {
		say(3, "started %d", c);
	}
	if (sp.tty) {
		static unsigned char buf[BUF];
		char ctl[128];
		size_t have = 0;
		int in_open = 1, ctl_open = 1, exited = 0;
		int pidfd = syscall(SYS_pidfd_open, c, 0);
		if (pidfd < 0) fail("pidfd_open %d", c);
		for (;;) {
			struct pollfd pf[4] = { { in_open && !exited ? 0 : -1, POLLIN, 0 }, { master, POLLIN, 0 },
				{ ctl_open && !exited ? 3 : -1, POLLIN, 0 }, { exited ? -1 : pidfd, POLLIN, 0 } };
			int r = poll(pf, 4, exited ? 50 : -1);
			if (r < 0) { if (errno == EINTR) continue; break; }
			if (r == 0) break; /* exited and no more output */
			if (pf[3].revents) exited = 1;
			if (pf[1].revents) {
				ssize_t r = read(master, buf, sizeof(buf));
				if (r <= 0) break; /* EIO: the last slave holder is gone */
				if (write_all(1, buf, r) < 0) { /* engine gone: keep draining */ }
			}
			if (pf[0].revents) {
				ssize_t r = read(0, buf, sizeof(buf));
				if (r <= 0) { in_open = 0; unsigned char eot = 4; write_all(master, &eot, 1); }
				else write_all(master, buf, r);
			}
			if (pf[2].revents) {
				ssize_t r = read(3, ctl + have, sizeof(ctl) - 1 - have);
				if (r <= 0) { ctl_open = 0; continue; }
				have += r;
				ctl[have] = 0;
				char *nl;
				while ((nl = strchr(ctl, '\n'))) {
					*nl = 0;
					unsigned rows, cols;
					if (sscanf(ctl, "resize %u %u", &rows, &cols) == 2) {
						struct winsize ws = { .ws_row = rows, .ws_col = cols };
						ioctl(master, TIOCSWINSZ, &ws);
					}
					have -= nl + 1 - ctl;
					memmove(ctl, nl + 1, have + 1);
				}
				if (have >= sizeof(ctl) - 1) have = 0;
			}
		}
	}
	int st;
	while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "run")) return run_main(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "exec")) return exec_main(argv[2]);
	fprintf(stderr, "usage: minidock-shim run|exec <specfile>\n");
	return 2;
}
