#!/bin/sh
# private-devlog.sh SOCKET COMMAND... - run COMMAND with /dev/log leading to SOCKET
#
# For Postfix 2.10, which logs only through syslog(3) (tests/e2e/lib.sh
# runs it with this under `unshare -m`).  In this mount namespace only, a
# fresh /dev holds the few devices Postfix and OpenSSL open (bound from
# the real /dev) and a /dev/log symlink to SOCKET, where syslog-sink
# writes the instance's own log file.  Nothing changes outside the
# namespace: the machine's /dev and its syslog never see the instance.
set -e
sock=$1
shift
[ -S "$sock" ] || { echo "private-devlog.sh: $sock is not a socket" >&2; exit 1; }
real=$(dirname "$sock")/real-dev
mkdir -p "$real"
mount --bind /dev "$real"
mount -t tmpfs -o mode=755,size=64k e2e-dev /dev
for n in null zero full random urandom tty; do
	: >"/dev/$n"
	mount --bind "$real/$n" "/dev/$n"
done
ln -s /proc/self/fd /dev/fd
ln -s "$sock" /dev/log
umount -l "$real"
exec "$@"
