#!/usr/bin/env bash
# Installs the Debian 12 packages livechain builds and tests with. Idempotent: it
# only calls apt when a package is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libsqlite3-dev sqlite3 libssl-dev zlib1g-dev
  libboost1.81-dev libboost-json1.81-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format
  libxgboost-dev
  libyaml-cpp-dev libjemalloc-dev
  clang libclang-rt-14-dev
  libcurl4-openssl-dev python3-aiosmtpd nodejs chromium
  libqrencode-dev libpng-dev zbar-tools librsvg2-bin
  liblemon-dev coinor-libcbc-dev mosquitto libmosquitto-dev
  golang-go golang-golang-x-mod-dev
)

# npm: the machine's Node.js may bring its own (NodeSource packages bundle npm and conflict
# with Debian's npm package); Debian's is installed only when there is no npm at all.
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
