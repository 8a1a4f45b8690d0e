/*
 * Container init. Helper M (mount_rootfs) joins the container's mount namespace as host
 * root and builds the root: idmapped lower layers + overlay, mounted nodev (a device node
 * shipped in an image cannot be opened; there is no device cgroup to stop it). Then the
 * container's process C (child_main) mounts /proc, /sys, /dev, binds the etc files,
 * pivot_roots, masks and read-only-binds what the spec lists, drops its privileges
 * (security.c) and execs.
 *
 * The user's mounts (binds, volumes as binds of their _data, tmpfs) are made by helper M
 * right after the overlay, as host root inside C's mount namespace, parents first: the
 * source is opened with host root's view (container root need not reach it), the target
 * is resolved inside the rootfs with RESOLVE_IN_ROOT (an image's or a container's symlink
 * can never send a mount onto a host path) and missing directories (or the empty file for
 * a file bind) are created inside the root, owned by the container's root. Binds are
 * open_tree(OPEN_TREE_CLONE|AT_RECURSIVE) clones made private, read-only recursively when
 * asked, attached with move_mount. C then mounts /proc, /sys, /dev and the etc files as
 * before and, with readonly_root, remounts / read-only after pivot_root.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "shim.h"

static int rootfd = -1;

/* Opens `rel` inside the rootfs with symlinks resolved inside it (an image cannot point
 * a mount target at the host), creating it as a dir or an empty file if missing; what it
 * creates is given to uid:gid unless they are -1. */
static int open_in_root_as(const char *rel, int dir, long long uid, long long gid)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", rel) >= (int)sizeof(buf)) { errno = ENAMETOOLONG; return -1; }
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
			if (r == 0 && uid >= 0 && fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) { close(pfd); return -1; }
			close(pfd);
			if (r < 0 && errno != EEXIST) return -1;
		}
		*p = saved;
		if (!saved) break;
	}
	return syscall(SYS_openat2, rootfd, buf, &how, sizeof(how));
}

static int open_in_root(const char *rel, int dir) { return open_in_root_as(rel, dir, -1, -1); }

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

/* Remounts the mount at `rel` (just made) read-only, nosuid, nodev, noexec. */
static void seal_in_root(const char *rel)
{
	int fd = open_in_root(rel, 1);
	if (fd < 0) fail("open %s", rel);
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	struct statvfs sv;
	if (statvfs(p, &sv) < 0) fail("statvfs %s", rel);
	unsigned long fl = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME) fl |= MS_NOATIME;
	if (sv.f_flag & ST_RELATIME) fl |= MS_RELATIME;
	if (mount(NULL, p, NULL, fl, NULL) < 0) fail("remount %s read-only", rel);
	close(fd);
}

/* The container's own cgroups at /sys/fs/cgroup, read-only, as docker shows them: on cgroup
 * v1 a tmpfs with one bind per hierarchy of the container's directory in it (and the
 * cpu -> cpu,cpuacct style links), on v2 the container's directory bound there. So tools
 * that size themselves from their cgroup (a JVM, Go's runtime) read their own limits. */
static void setup_cgroup(struct spec *sp)
{
	if (!sp->cgroup.n) return;
	int tmpfs = 0;
	for (int i = 0; i < sp->cgroup.n; i++) {
		char name[256], rel[300];
		const char *e = sp->cgroup.v[i], *sp1 = strchr(e, ' ');
		if (!sp1 || (size_t)(sp1 - e) >= sizeof(name) || sp1 == e) { errno = EINVAL; fail("bad cgroup entry %s", e); }
		memcpy(name, e, sp1 - e);
		name[sp1 - e] = 0;
		const char *rest = sp1 + 1;
		if (!strcmp(name, ".")) {
			if (sp->cgroup.n != 1 || rest[0] != '/') { errno = EINVAL; fail("bad cgroup entry %s", e); }
			mount_in_root(rest, "sys/fs/cgroup", NULL, MS_BIND, NULL, 1);
			seal_in_root("sys/fs/cgroup");
			return;
		}
		if (strchr(name, '/') || !strcmp(name, "..")) { errno = EINVAL; fail("bad cgroup name %s", name); }
		if (!tmpfs) {
			mount_in_root("tmpfs", "sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k", 1);
			tmpfs = 1;
		}
		if (!strncmp(rest, "-> ", 3)) {
			const char *target = rest + 3;
			if (!*target || strchr(target, '/')) { errno = EINVAL; fail("bad cgroup link %s", e); }
			int dfd = open_in_root("sys/fs/cgroup", 1);
			int real = dfd < 0 ? -1 : openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) close(dfd);
			if (real < 0 || symlinkat(target, real, name) < 0) fail("symlink sys/fs/cgroup/%s", name);
			close(real);
			continue;
		}
		if (rest[0] != '/') { errno = EINVAL; fail("bad cgroup entry %s", e); }
		snprintf(rel, sizeof(rel), "sys/fs/cgroup/%s", name);
		mount_in_root(rest, rel, NULL, MS_BIND, NULL, 1);
		seal_in_root(rel);
	}
	seal_in_root("sys/fs/cgroup");
}

static void setup_dev(struct spec *sp)
{
	/* nodev (docker leaves it off and relies on the device cgroup, which minidock does not
	 * set): a node made with CAP_MKNOD cannot be opened; the host nodes below are bind
	 * mounts with their own flags */
	mount_in_root("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=755,size=65536k", 1);
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
	if (sp->no_shm) {
		/* --ipc none: no shared memory mount */
	} else if (sp->shm_from) {
		/* another container's shared memory (--ipc container:): helper M put its /dev/shm at rundir/shm */
		char shm[4096];
		snprintf(shm, sizeof(shm), "%s/shm", sp->rundir);
		mount_in_root(shm, "dev/shm", NULL, MS_BIND, NULL, 1);
	} else if (sp->host_ipc) {
		mount_in_root("/dev/shm", "dev/shm", NULL, MS_BIND | MS_REC, NULL, 1);
	} else {
		mount_in_root("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", 1);
	}
	/* an mqueue mount shows the mounter's IPC namespace; the host's needs host privileges, so
	 * the host's own mount is bound, when the host has one */
	struct stat mq;
	if (sp->host_ipc) {
		if (stat("/dev/mqueue", &mq) == 0 && S_ISDIR(mq.st_mode)) mount_in_root("/dev/mqueue", "dev/mqueue", NULL, MS_BIND | MS_REC, NULL, 1);
	} else mount_in_root("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
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

static void setup_sys(void)
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

/* After pivot_root: runc's maskPath and readonlyPath. A masked file is covered by
 * /dev/null, a masked dir by an empty read-only tmpfs; missing paths are skipped. */
static void mask_paths(struct spec *sp)
{
	for (int i = 0; i < sp->mask.n; i++) {
		const char *m = sp->mask.v[i];
		if (mount("/dev/null", m, NULL, MS_BIND, NULL) == 0) continue;
		if (errno == ENOENT) continue;
		if (errno != ENOTDIR || mount("tmpfs", m, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0)
			fail("mask %s", m);
	}
	for (int i = 0; i < sp->readonly.n; i++) {
		const char *r = sp->readonly.v[i];
		if (mount(r, r, NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT) continue;
			fail("bind %s", r);
		}
		if (remount_ro(r) < 0) fail("remount %s read-only", r);
	}
}

/* --init (docker's tini, which docker runs as /sbin/docker-init): PID 1 stays this small
 * loop, already with the container's identity, seccomp and capabilities, and the command
 * runs in its child. Every signal PID 1 gets is forwarded to the command (signals are
 * blocked and taken with sigwaitinfo: a blocked signal reaches a namespace's init even
 * without a handler), every process that ends is reaped, and when the command ends PID 1
 * exits with its status (128+signal when a signal ended it), which ends the container.
 * Returns in the child, which goes on to exec the command. */
static void run_init(struct spec *sp, int err_w)
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t cmd = fork();
	if (cmd < 0) fail("fork the command under init");
	if (cmd == 0) {
		/* as tini: the command gets a process group of its own, the terminal's foreground
		 * one with a tty (SIGTTOU is still blocked here), so a ^C reaches it once, not
		 * also through the init */
		setpgid(0, 0);
		if (sp->tty && tcsetpgrp(0, getpid()) < 0) { /* no terminal after all: nothing to hand over */ }
		sigprocmask(SIG_SETMASK, &old, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		return;
	}
	/* the shim learns that exec worked when the last copy of err_w closes: not this one */
	close(err_w);
	syscall(SYS_close_range, 3, ~0U, 0);
	/* what docker's init shows in ps (`/sbin/docker-init -- cmd args`), not the shim's host
	 * path and spec file: the command line is rewritten in place, cut to the room it has */
	prctl(PR_SET_NAME, "docker-init");
	memset(md_args, 0, md_args_len);
	size_t at = 0;
	const char *head[2] = { "/sbin/docker-init", "--" };
	for (int i = 0; i < 2 + sp->arg.n; i++) {
		const char *a = i < 2 ? head[i] : sp->arg.v[i - 2];
		size_t n = strlen(a);
		if (at + n + 1 > md_args_len) break;
		memcpy(md_args + at, a, n);
		at += n + 1;
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0) continue;
		if (sig != SIGCHLD) { kill(cmd, sig); continue; }
		int st;
		pid_t p;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == cmd) _exit(WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st));
	}
}

/* hold (a pod's infra): PID 1 only keeps the namespaces alive. No command is exec'd: the
 * shim learns the start worked when err_w closes here; SIGTERM, SIGINT or SIGHUP end the
 * holder with 0 (a PID 1 has no default signal actions), children it may inherit are reaped. */
static void __attribute__((noreturn)) run_hold(int err_w)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	close(err_w);
	syscall(SYS_close_range, 3, ~0U, 0);
	prctl(PR_SET_NAME, "minidock-hold");
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) _exit(0);
		if (sig == SIGCHLD) while (waitpid(-1, NULL, WNOHANG) > 0) {}
	}
}

void child_main(struct spec *sp, struct child_fds *f)
{
	report_fd = f->err_w;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	umask(022); /* Docker's default for the container, whatever the engine's is */
	struct release_msg rel;
	if (read(f->sync_r, &rel, sizeof(rel)) != sizeof(rel) || rel.go != 'g') _exit(1); /* shim gone or told to abort */
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
		if (!val || (size_t)(val - sp->sysctl.v[i]) >= sizeof(key)) { errno = EINVAL; fail("bad sysctl %s", sp->sysctl.v[i]); }
		memcpy(key, sp->sysctl.v[i], val - sp->sysctl.v[i]);
		key[val - sp->sysctl.v[i]] = 0;
		snprintf(path, sizeof(path), "/proc/sys/%s", key);
		if (write_file(path, val + 1) < 0) fail("write sysctl %s", key);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail("make mounts private");
	rootfd = open(sp->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) fail("open rootfs %s", sp->rootfs);
	mount_in_root("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	setup_sys();
	setup_cgroup(sp);
	setup_dev(sp);
	if (sp->etc_hostname) mount_in_root(sp->etc_hostname, "etc/hostname", NULL, MS_BIND, NULL, 0);
	if (sp->etc_hosts) mount_in_root(sp->etc_hosts, "etc/hosts", NULL, MS_BIND, NULL, 0);
	if (sp->etc_resolv) mount_in_root(sp->etc_resolv, "etc/resolv.conf", NULL, MS_BIND, NULL, 0);
	if (chdir(sp->rootfs) < 0) fail("chdir %s", sp->rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root %s", sp->rootfs);
	/* the old root is stacked on top of the new one: detach it so the host root is gone */
	if (umount2(".", MNT_DETACH) < 0) fail("detach old root");
	if (chdir("/") < 0) fail("chdir /");
	mask_paths(sp);
	/* a UTS namespace that is not the container's own keeps its name */
	if (!sp->host_uts && !sp->join_uts && sp->hostname && sethostname(sp->hostname, strlen(sp->hostname)) < 0) fail("sethostname %s", sp->hostname);
	if (mkdir_p(sp->cwd) < 0) fail("create working directory %s", sp->cwd);
	/* --read-only: only the root mount; /proc, /sys, /dev, the etc files and the user's
	 * mounts are mounts of their own and keep their flags (docker's) */
	if (sp->readonly_root && remount_ro("/") < 0) fail("remount / read-only");
	if (sp->tty) {
		int slave;
		int m = open_pty(&slave);
		if (m < 0) fail("open /dev/ptmx");
		/* the size is in place before the command runs (`stty size` as its first step sees
		 * it; runc sets process.consoleSize here too) */
		if ((rel.ws.ws_row || rel.ws.ws_col) && ioctl(m, TIOCSWINSZ, &rel.ws) < 0) fail("set tty size");
		send_fd(f->pty_sock, m);
		close(m);
		close(f->pty_sock);
		make_controlling(slave, sp->uid);
	}
	drop_privileges(sp, f->seccomp);
	if (chdir(sp->cwd) < 0) fail("chdir to working directory %s", sp->cwd);
	/* credential changes clear the parent-death signal: set it again so the container
	 * never outlives its shim (nobody would reap it or take its output) */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* everything but stdio closes at exec; err_w closing tells the shim exec worked */
	syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
	md_seccomp_late(sp, f->seccomp);
	if (sp->hold) run_hold(f->err_w);
	if (sp->init) run_init(sp, f->err_w);
	int e = exec_program(sp->arg.v, sp->env.v);
	say(f->err_w, "execfail %d", e);
	_exit(e == ENOENT ? 127 : 126);
}

/* The host id a map gives container id 0 (the container's root); 0 without a userns. */
static long long host_root(const struct strv *map)
{
	for (int i = 0; i < map->n; i++) {
		unsigned long long cid, hid, size;
		if (sscanf(map->v[i], "%llu %llu %llu", &cid, &hid, &size) == 3 && cid == 0) return (long long)hid;
	}
	return map->n ? -1 : 0;
}

static unsigned long tmpfs_flags(const char *list, const char *what)
{
	unsigned long fl = 0;
	if (!strcmp(list, "-")) return 0;
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "nosuid")) fl |= MS_NOSUID;
		else if (!strcmp(t, "nodev")) fl |= MS_NODEV;
		else if (!strcmp(t, "noexec")) fl |= MS_NOEXEC;
		else { errno = EINVAL; fail("mount %s: unknown flag %s", what, t); }
	}
	return fl;
}

/* Helper M, after the overlay: the user's mounts in spec order (parents first). */
static void user_mounts(struct spec *sp)
{
	if (!sp->mount_kind.n) return;
	long long ruid = host_root(&sp->uidmap), rgid = host_root(&sp->gidmap);
	if (ruid < 0 || rgid < 0) { errno = EINVAL; fail("container root is not mapped"); }
	rootfd = open(sp->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) fail("open rootfs %s", sp->rootfs);
	for (int i = 0; i < sp->mount_kind.n; i++) {
		const char *kind = sp->mount_kind.v[i], *src = sp->mount_src.v[i], *dst = sp->mount_dst.v[i];
		char k[16], ro[4], flags[64], data[512];
		int n = sscanf(kind, "%15s %3s %63s %511s", k, ro, flags, data);
		int readonly = n >= 2 && !strcmp(ro, "ro");
		if (n == 2 && !strcmp(k, "bind") && (readonly || !strcmp(ro, "rw"))) {
			/* the source as host root sees it, in this (C's) mount namespace */
			struct stat st;
			if (stat(src, &st) < 0) fail("bind source path %s", src);
			int tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
			if (tree < 0) fail("open_tree %s", src);
			struct mount_attr attr = { .attr_set = readonly ? MOUNT_ATTR_RDONLY : 0, .propagation = MS_PRIVATE };
			if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) fail("set attributes of bind %s", src);
			int t = open_in_root_as(dst + 1, S_ISDIR(st.st_mode), ruid, rgid);
			if (t < 0) fail("open mount target %s", dst);
			if (move_mount(tree, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) fail("bind %s on %s", src, dst);
			close(t);
			close(tree);
		} else if (n == 4 && !strcmp(k, "tmpfs") && (readonly || !strcmp(ro, "rw"))) {
			unsigned long fl = tmpfs_flags(flags, dst) | (readonly ? MS_RDONLY : 0);
			int t = open_in_root_as(dst + 1, 1, ruid, rgid);
			if (t < 0) fail("open mount target %s", dst);
			char p[64];
			snprintf(p, sizeof(p), "/proc/self/fd/%d", t);
			if (mount("tmpfs", p, "tmpfs", fl, strcmp(data, "-") ? data : NULL) < 0) fail("mount tmpfs on %s (options %s)", dst, data);
			close(t);
		} else {
			errno = EINVAL;
			fail("mount %d: bad mount_kind %s", i, kind);
		}
	}
	close(rootfd);
	rootfd = -1;
}

/* Runs in helper M inside C's mount namespace: idmapped lower layers + overlay. */
void mount_rootfs(struct spec *sp, pid_t c)
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
	int shm = -1;
	if (sp->shm_from) {
		/* --ipc container:: a detached copy of the holder's /dev/shm mount, taken in its
		 * mount namespace and attached in C's at rundir/shm, where C binds it over dev/shm */
		snprintf(p, sizeof(p), "/proc/%lld/ns/mnt", sp->shm_from);
		int hfd = open(p, O_RDONLY | O_CLOEXEC);
		if (hfd < 0) fail("open %s", p);
		if (setns(hfd, CLONE_NEWNS) < 0) fail("join mount namespace of %lld", sp->shm_from);
		close(hfd);
		shm = open_tree(AT_FDCWD, "/dev/shm", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (shm < 0) fail("open_tree /dev/shm of %lld", sp->shm_from);
	}
	if (setns(mntfd, CLONE_NEWNS) < 0) fail("join mount namespace of %d", c);
	/* nothing mounted here may propagate back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) fail("make mounts slave");
	if (shm >= 0) {
		char at[4096];
		snprintf(at, sizeof(at), "%s/shm", sp->rundir);
		if (mkdir(at, 0700) < 0 && errno != EEXIST) fail("mkdir %s", at);
		if (move_mount(shm, "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH) < 0) fail("attach /dev/shm of %lld at %s", sp->shm_from, at);
		close(shm);
	}
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
	/* nodev: device nodes from an image (or made in the upper dir) cannot be opened */
	if (mount("overlay", sp->rootfs, "overlay", MS_NODEV, opts) < 0) fail("mount overlay on %s (%s)", sp->rootfs, opts);
	for (int i = 0; i < sp->layer.n; i++) {
		char target[32];
		snprintf(target, sizeof(target), "%d", i);
		if (umount2(target, MNT_DETACH) < 0) fail("detach layer mount %s/%s", lower, target);
	}
	user_mounts(sp);
}
