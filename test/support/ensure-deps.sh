#!/bin/sh
# Installs what the tests need on a fresh Debian/Ubuntu machine (as root), or names the
# missing packages in one line and stops (not root). Run by `npm test` before anything else.
set -eu

missing=""
need() { # need <package> <test...>: add the package when its test fails
  pkg=$1; shift
  if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}
has() { command -v "$1"; }

need openssh-server test -x /usr/sbin/sshd
need openssh-client has ssh-keygen
need chromium has chromium
need tmux has tmux
need strace has strace
need gcc has gcc
need make has make
need libc6-dev test -e /usr/include/stdio.h
need clang has clang
# libFuzzer and the sanitizer runtimes for clang (Debian ships them apart from clang).
need libclang-rt-dev sh -c 'ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a'
need iproute2 has tc
need util-linux has setpriv
need bsdutils has script
need python3 has python3
# The server matrix: login shells real accounts have, and a busybox-only userland.
need zsh has zsh
need fish has fish
need csh test -x /bin/bsd-csh
need tcsh has tcsh
need ksh93u+m has ksh93
need busybox-static test -x /bin/busybox
# The bench's other peer on real links (shaped-link rows): mosh, client and server.
need mosh has mosh-server

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "holdfast tests need these Debian packages:$missing — install them with: sudo apt-get install -y$missing" >&2
  exit 1
fi

# libclang-rt-dev is virtual on some releases; name the one matching the installed clang.
pkgs=""
for p in $missing; do
  if [ "$p" = libclang-rt-dev ]; then
    v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n1)
    p="libclang-rt-${v:-14}-dev"
  fi
  pkgs="$pkgs $p"
done
echo "holdfast: installing test dependencies:$pkgs" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
