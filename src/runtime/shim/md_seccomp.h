/* Seccomp for the container process: loads the rules text written by the TypeScript runtime
 * (src/runtime/seccomp.ts compileSeccomp, format documented there) with libseccomp. */
#ifndef MD_SECCOMP_H
#define MD_SECCOMP_H

/* Reads `rules_path`, builds the filter and loads it into the calling thread. Returns 0, or
 * -errno (-EINVAL for a malformed rules file). Does not set no_new_privs (docker leaves it
 * off unless asked): the caller must then still hold CAP_SYS_ADMIN in its user namespace,
 * i.e. call this before switching to the container's uid and dropping capabilities, or
 * set PR_SET_NO_NEW_PRIVS itself first. */
int md_seccomp_apply(const char *rules_path);

/* The same from an open rules file, for callers that chroot/pivot_root between opening the
 * rules (a host path) and loading them. Closes `fd`. */
int md_seccomp_apply_fd(int fd);

/* Compiles a rules text into a filter program file (magic, flags, BPF) that
 * md_seccomp_apply_fd loads without libseccomp's work at every start. 0 or -errno. */
int md_seccomp_compile(const char *rules_path, const char *out_path);

#endif
