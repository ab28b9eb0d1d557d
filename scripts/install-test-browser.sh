#!/bin/sh
# The browser tests drive Debian's headless Chromium (pages must fit 1366 px, bug text must be
# escaped in a real renderer). Install it when it is missing; a no-op when it is there.
set -eu
command -v chromium >/dev/null 2>&1 && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium >/dev/null
