#!/bin/sh
# Make sure OpenSSH's server exists for tests/test_two_hosts.py, which starts two throwaway
# sshd daemons on 127.0.0.2 and 127.0.0.3 to fit an ERGM on a PSOCK cluster of two hosts.
# Installs Debian's `openssh-server` package with apt when it is missing and we run as root
# (the package's own service is not started: the test runs its own daemons with its own keys
# and configuration); otherwise says what to do.  Exit status 0 when sshd is available
# afterwards.
set -eu
for path in /usr/sbin/sshd /usr/local/sbin/sshd; do
    if [ -x "$path" ]; then
        exit 0
    fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-sshd: installing Debian's openssh-server package (for the two-host test)"
    apt-get update -qq
    # RUNLEVEL=1: invoke-rc.d starts no service in single-user mode, so installing the
    # package does not start a system-wide sshd
    DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq openssh-server >/dev/null
    exit 0
fi
echo "ensure-sshd: sshd not found; install it (Debian/Ubuntu: sudo apt-get install openssh-server)" >&2
echo "ensure-sshd: without it tests/test_two_hosts.py is skipped" >&2
exit 1
