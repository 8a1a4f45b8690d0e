#!/bin/sh
# Builds dist/minidock-shim with the machine's gcc. Static when glibc's static library is
# installed (a static shim maps no shared libraries: smaller per-container memory),
# dynamic otherwise. Independent of tsc.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../../dist"
mkdir -p "$out"
if gcc -O2 -Wall -static -o "$out/minidock-shim.tmp" "$here/shim.c" 2>/dev/null; then :; else
  gcc -O2 -Wall -o "$out/minidock-shim.tmp" "$here/shim.c"
fi
mv "$out/minidock-shim.tmp" "$out/minidock-shim"
