#!/usr/bin/env bash
# CI: the playground in a real browser. Installs Debian's Chromium when it is missing (never a
# browser download by a package), builds the site and runs its browser tests, which fail rather
# than skip here if the browser still cannot be found.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM="npx -y pnpm@9.15.9"

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi

# .ci/run calls this after its build step, so the packages' dist/ (whose declarations the site
# is type-checked against) is fresh there; on its own, build them too.
if [ -f packages/core/dist/index.js ] && [ -f packages/nn/dist/index.js ] && [ -f packages/data/dist/index.js ]; then
  $PNPM --filter @tensortape/playground build:site
else
  $PNPM playground:build
fi
TENSORTAPE_REQUIRE_BROWSER=1 $PNPM test:browser
