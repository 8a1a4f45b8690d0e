#!/bin/sh
# Builds dist/minidock-shim from the C files here with the machine's gcc and libseccomp
# (libseccomp-dev: the container's seccomp filter, seccomp.c). Static when glibc's static
# library is installed (libseccomp.a is then linked in): a static shim maps no shared
# libraries, so each container's shim costs less memory; dynamic otherwise. Independent of tsc.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../../dist"
mkdir -p "$out"
static=""
libc_a=$(gcc -print-file-name=libc.a)
if [ -f "$libc_a" ]; then static="-static"; fi
files=""
for f in main.c spec.c util.c security.c container.c supervise.c exec.c seccomp.c netlink.c; do files="$files $here/$f"; done
# shellcheck disable=SC2086 # word splitting of the file list is intended
gcc -O2 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE $static -DMD_SECCOMP -I"$here" -o "$out/minidock-shim.tmp" $files -lseccomp
# rename over the old binary: running shims keep their (old) inode
mv "$out/minidock-shim.tmp" "$out/minidock-shim"
