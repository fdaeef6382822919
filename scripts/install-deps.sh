#!/usr/bin/env bash
# Installs every Debian package maat needs to build and test. Idempotent: when all
# packages are present it does nothing (no apt-get update). As non-root it uses sudo,
# or prints the one apt line to run.
set -euo pipefail

pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libssl-dev libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev
      libsqlite3-dev libpq-dev libcmocka-dev curl wrk openssl python3
      python3-cryptography postgresql postgresql-common)

pkgs+=(libsystemd-dev systemd man-db dpkg-dev) # packaging: sd_notify, systemd-analyze, man -l, dpkg-shlibdeps
pkgs+=(prometheus) # promtool: tests/integration/test_metrics_promtool.sh checks /metrics

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm run the JS test peers. Any working node >= 18 will do (some machines
# carry NodeSource's build, which conflicts with Debian's npm package).
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

# The npm test peers (tests/compat/package.json, pinned by its package-lock.json): only
# when node_modules is absent, so a second run costs nothing.
npm_peers() {
  local root compat
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  compat=$root/tests/compat
  if [ -f "$compat/package-lock.json" ] && [ ! -d "$compat/node_modules" ] &&
     command -v npm >/dev/null 2>&1; then
    npm ci --prefix "$compat" --no-audit --no-fund ||
      echo "maat: npm ci in tests/compat failed; the compat tests will be skipped" >&2
  fi
  # The official Azure Attestation SDK (tests/compat/azure, its own package-lock.json).
  if [ -f "$compat/azure/package-lock.json" ] && [ ! -d "$compat/azure/node_modules" ] &&
     command -v npm >/dev/null 2>&1; then
    npm ci --prefix "$compat/azure" --no-audit --no-fund ||
      echo "maat: npm ci in tests/compat/azure failed; compat_test_azure_sdk will be skipped" >&2
  fi
  return 0
}

if [ ${#missing[@]} -eq 0 ]; then
  npm_peers
  exit 0
fi

line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo env DEBIAN_FRONTEND=noninteractive sh -c "$line"
else
  echo "maat: missing packages: ${missing[*]}" >&2
  echo "maat: run as root: $line" >&2
  exit 1
fi
npm_peers
