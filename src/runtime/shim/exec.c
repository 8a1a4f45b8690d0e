/*
 * Exec mode: joins the namespaces and root of a running container (its PID 1 is `pid`),
 * forks the process into its pid namespace, drops privileges like the container's init
 * (security.c), closes every inherited descriptor above stderr and execs. The shim relays
 * a tty when asked and exits with the process's exit code. Protocol: see main.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "shim.h"

int exec_main(const char *specfile)
{
	report_fd = 3;
	struct spec sp;
	parse_spec(specfile, SPEC_EXEC, &sp);
	/* read while still host root, before the container's root hides the rules' path */
	int seccomp_fd = md_seccomp_open(&sp);
	int pid = (int)sp.pid;
	signal(SIGPIPE, SIG_IGN);
	static const struct { const char *name; int flag; } ns[] = {
		{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID },
		{ "uts", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET },
	};
	int fds[6];
	char p[128];
	snprintf(p, sizeof(p), "/proc/%d/root", pid);
	int root = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) fail("open %s", p);
	int joined_user = 0;
	for (int i = 0; i < 6; i++) {
		struct stat a, b;
		snprintf(p, sizeof(p), "/proc/%d/ns/%s", pid, ns[i].name);
		fds[i] = open(p, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) fail("open %s", p);
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/ns/%s", ns[i].name);
		/* joining the namespace we are already in is refused for userns: skip equal ones */
		if (fstat(fds[i], &a) == 0 && stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) { close(fds[i]); fds[i] = -1; }
	}
	for (int i = 0; i < 6; i++) {
		if (fds[i] < 0) continue;
		if (setns(fds[i], ns[i].flag) < 0) fail("join %s namespace of %d", ns[i].name, pid);
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
		struct winsize ws = { .ws_row = (unsigned short)sp.tty_rows, .ws_col = (unsigned short)sp.tty_cols };
		if (ws.ws_row && ws.ws_col && ioctl(master, TIOCSWINSZ, &ws) < 0) fail("set tty size");
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
		drop_privileges(&sp, seccomp_fd);
		if (chdir(sp.cwd) < 0) fail("chdir to working directory %s", sp.cwd);
		/* nothing the shim inherited or opened reaches the process: only stdio stays */
		syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
		md_seccomp_late(&sp, seccomp_fd);
		int e = exec_program(sp.arg.v, sp.env.v);
		say(errp[1], "execfail %d", e);
		_exit(e == ENOENT ? 127 : 126);
	}
	close(errp[1]);
	if (seccomp_fd >= 0) close(seccomp_fd);
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

