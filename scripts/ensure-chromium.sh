#!/bin/sh
# Make sure a headless Chromium exists for tests/test_report_html.py (renders report.html).
# Installs Debian's `chromium` package with apt when it is missing and we run as root;
# otherwise says what to do.  Exit status 0 when chromium is available afterwards.
set -eu
for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then
        exit 0
    fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: installing Debian's chromium package (for the report.html test)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    exit 0
fi
echo "ensure-chromium: chromium not found; install it (Debian/Ubuntu: sudo apt-get install chromium)" >&2
echo "ensure-chromium: without it tests/test_report_html.py is skipped" >&2
exit 1
