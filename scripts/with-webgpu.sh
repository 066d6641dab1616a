#!/usr/bin/env bash
# Run a command with Dawn (Node) able to find a Vulkan driver.
# With a real GPU, Vulkan's own driver is used. Without one (CI, this dev machine),
# SwiftShader from Debian's chromium package is the driver, and chromium's bundled
# libvulkan stands in where the system has no Vulkan loader.
set -euo pipefail
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
CHROMIUM_LIB=/usr/lib/chromium
has_gpu=0
if [ -e /dev/nvidia0 ] || ls /dev/dri/renderD* >/dev/null 2>&1; then has_gpu=1; fi
if [ "${PINN_ADAPTER:-auto}" = "swiftshader" ] || { [ "$has_gpu" = 0 ] && [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; }; then
  if [ -f "$CHROMIUM_LIB/vk_swiftshader_icd.json" ]; then
    export VK_ICD_FILENAMES="$CHROMIUM_LIB/vk_swiftshader_icd.json"
  else
    echo "note: no GPU and no SwiftShader found; install Debian's chromium package (apt-get install chromium) for a CPU WebGPU." >&2
  fi
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' && [ -f "$CHROMIUM_LIB/libvulkan.so.1" ]; then
  export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$CHROMIUM_LIB"
fi
PATH="$(cd "$(dirname "$0")/.." && pwd)/node_modules/.bin:$PATH"
exec "$@"
