#!/usr/bin/env bash
# Installs what the tests need and the machine lacks: a PostgreSQL server for
# the storage tests and Debian's Chromium for the browser tests. Browsers are
# never downloaded by a test tool.
set -euo pipefail

need=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  need+=(chromium)
fi
if [ ${#need[@]} -eq 0 ]; then
  echo "deps: PostgreSQL and Chromium present"
  exit 0
fi

echo "deps: installing ${need[*]} with apt-get"
sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install ${need[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "deps: installed ${need[*]}"
