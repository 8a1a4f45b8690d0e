#!/bin/sh
# Builds dist/minidock-shim from the C files here with the machine's gcc (no extra
# libraries). Static when glibc's static library is installed: a static shim maps no shared
# libraries, so each container's shim costs less memory; dynamic otherwise. The seccomp
# loader (seccomp.c, md_seccomp_apply) is compiled in, with -DMD_SECCOMP, when present; a
# shim without it refuses specs that ask for seccomp. Independent of tsc.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../../dist"
mkdir -p "$out"
static=""
libc_a=$(gcc -print-file-name=libc.a)
if [ -f "$libc_a" ]; then static="-static"; fi
srcs="main.c spec.c util.c security.c container.c supervise.c exec.c"
defs=""
if [ -f "$here/seccomp.c" ]; then srcs="$srcs seccomp.c"; defs="-DMD_SECCOMP"; fi
files=""
for f in $srcs; do files="$files $here/$f"; done
# shellcheck disable=SC2086 # word splitting of the file list is intended
gcc -O2 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE $static $defs -I"$here" -o "$out/minidock-shim.tmp" $files
# rename over the old binary: running shims keep their (old) inode
mv "$out/minidock-shim.tmp" "$out/minidock-shim"
