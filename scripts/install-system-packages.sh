#!/usr/bin/env bash
# Debian packages the workbench uses: Jupyter (to execute the notebooks headless, and
# Jupyter Notebook for `npm run notebook`),
# Chromium (to check the rendered notebooks' charts; it also ships SwiftShader, the Vulkan
# device on the CPU that the webgpu tests run on), Fashion-MNIST.
# mesa-vulkan-drivers + libvulkan1: the Vulkan loader and Mesa's drivers (lavapipe), as on any
# Linux desktop. Dawn (npm webgpu) prints warnings while it rejects lavapipe; with them
# installed here, and CI runs this script before `npm ci` and `npm test`, the suite always
# checks that no `slt` command lets such a line through (src/engine/webgpu-probe.ts).
# Optional for users: python3-torch + libopenblas0-pthread for the PyTorch columns of `npm run bench`.
set -euo pipefail
PACKAGES="jupyter-nbconvert jupyter-client python3-ipykernel jupyter-notebook chromium dataset-fashion-mnist mesa-vulkan-drivers libvulkan1"
if [ "${WITH_PYTORCH:-0}" = 1 ]; then PACKAGES="$PACKAGES python3-torch libopenblas0-pthread"; fi
missing=""
for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -z "$missing" ]; then echo "system packages: all present"; exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else echo "Please install as root:$missing" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
