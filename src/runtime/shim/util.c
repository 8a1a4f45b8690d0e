/* Reporting to the engine, small I/O helpers, program lookup, pty and fd passing. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>
#include "shim.h"

extern char **environ;

int report_fd = 1;

void say(int fd, const char *fmt, ...)
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

void fail(const char *fmt, ...)
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

int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t n = write(fd, data, strlen(data));
	close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

int write_all(int fd, const void *buf, size_t len)
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

void put_be32(unsigned char *b, uint32_t v) { b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v; }

void put_be64(unsigned char *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--) { b[i] = v & 0xff; v >>= 8; }
}

int mkdir_p(const char *path)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) { errno = ENAMETOOLONG; return -1; }
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/') continue;
		*p = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
	return 0;
}

/* Finds a program like Docker does (PATH from the container's env, no /bin/sh fallback
 * on ENOEXEC) and execs it. Returns the errno to report. */
int exec_program(char **argv, char **envp)
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
			if (snprintf(full, sizeof(full), "%.*s/%s", (int)dl, dl ? p : ".", name) < (int)sizeof(full)) {
				execve(full, argv, envp);
				if (errno == EACCES) saw_eacces = 1;
				else if (errno != ENOENT && errno != ENOTDIR) return errno;
			}
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

/* Opens a pty pair from the devpts instance at /dev (the container's, after pivot). */
int open_pty(int *slave)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0) return -1;
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0) return -1;
	*slave = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (*slave < 0) return -1;
	return m;
}

void make_controlling(int slave, long long uid)
{
	if (setsid() < 0) fail("setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0) fail("set controlling terminal");
	if (fchown(slave, uid, -1) < 0) { /* unmapped uid: keep root's tty, still usable via the fd */ }
	for (int i = 0; i < 3; i++) if (dup2(slave, i) < 0) fail("dup2 pty");
	if (slave > 2) close(slave);
}

void send_fd(int sock, int fd)
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

int recv_fd(int sock)
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
