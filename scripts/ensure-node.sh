#!/usr/bin/env bash
# Make a Node.js >= 22 available to the CDK CLI and jsii (Node 20 is end-of-life for jsii).
# Uses the system's node when it is new enough; otherwise installs the pinned platform package
# node-<os>-<arch> from the npm registry into .tools/node (once; later runs take the fast path).
# Prints nothing on success; the Makefile puts .tools/node/bin first on PATH.
set -euo pipefail

NODE_MIN_MAJOR=22
NODE_VERSION=${NODE_VERSION:-22.23.3}
tools_dir="$(cd "$(dirname "$0")/.." && pwd)/.tools/node"

major_of() { "$1" --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }

if [ -x "$tools_dir/bin/node" ] && [ "$(major_of "$tools_dir/bin/node")" -ge "$NODE_MIN_MAJOR" ]; then
  exit 0
fi
if command -v node >/dev/null 2>&1 && [ "$(major_of node)" -ge "$NODE_MIN_MAJOR" ]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "ensure-node: npm is required to install Node $NODE_VERSION" >&2; exit 1; }

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "ensure-node: unsupported OS $(uname -s); install Node >= $NODE_MIN_MAJOR yourself" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "ensure-node: unsupported CPU $(uname -m); install Node >= $NODE_MIN_MAJOR yourself" >&2; exit 1 ;;
esac

pkg="node-$os-$arch"
echo "ensure-node: system node is older than $NODE_MIN_MAJOR; installing $pkg@$NODE_VERSION into .tools/node" >&2
staging="$tools_dir.staging"
rm -rf "$staging"
mkdir -p "$staging"
npm install --prefix "$staging" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$pkg@$NODE_VERSION" >&2
rm -rf "$tools_dir"
mkdir -p "$tools_dir/bin"
mv "$staging" "$tools_dir/pkg"
ln -s "../pkg/node_modules/$pkg/bin/node" "$tools_dir/bin/node"
"$tools_dir/bin/node" --version >&2
