#!/bin/sh
# Builds dist/minidock-shim with the machine's gcc and libseccomp (libseccomp-dev). Static when glibc's
# static library is installed: a static shim maps no shared libraries, so each container's
# shim costs less memory; dynamic otherwise. Independent of tsc.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../../dist"
mkdir -p "$out"
static=""
libc_a=$(gcc -print-file-name=libc.a)
if [ -f "$libc_a" ]; then static="-static"; fi
# seccomp.c: the container's seccomp filter (libseccomp.a is used when the shim is static)
gcc -O2 -Wall $static -o "$out/minidock-shim.tmp" "$here/shim.c" -DMD_SECCOMP "$here/seccomp.c" -lseccomp
# rename over the old binary: running shims keep their (old) inode
mv "$out/minidock-shim.tmp" "$out/minidock-shim"
