#!/usr/bin/env bash
# Make sure Debian's Chromium (and npm, which the accessibility tests use to fetch axe-core once into a cache
# folder) are installed for the browser tests (tests/browser/).
# - present: nothing to do.
# - missing and running as root with apt-get (CI containers): apt-get install it.
# - otherwise: print what to run and exit 1.
# Never downloads a browser from anywhere else (no `playwright install`): the tests launch /usr/bin/chromium.
set -euo pipefail

CHROMIUM="${HIPCOURSE_CHROMIUM:-/usr/bin/chromium}"

if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "ensure_browser: installing npm with apt-get (for axe-core)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    else
        echo "ensure_browser: npm is missing (the accessibility tests need it once for axe-core):" \
             "sudo apt-get install -y npm" >&2
        exit 1
    fi
fi

if [ -x "$CHROMIUM" ]; then
    echo "ensure_browser: $("$CHROMIUM" --version 2>/dev/null || echo chromium) at $CHROMIUM"
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure_browser: installing Debian's chromium with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
    if [ -x "$CHROMIUM" ]; then
        echo "ensure_browser: $("$CHROMIUM" --version 2>/dev/null) installed"
        exit 0
    fi
    echo "ensure_browser: apt-get finished but $CHROMIUM is still missing" >&2
    exit 1
fi
echo "ensure_browser: Chromium is missing at $CHROMIUM. Install it with: sudo apt-get install -y chromium" >&2
echo "                (or set HIPCOURSE_CHROMIUM to another Chromium binary)" >&2
exit 1
