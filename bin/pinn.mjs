#!/usr/bin/env node
// Launcher for the pinn command line: runs src/cli/main.ts under tsx with a Vulkan
// driver Dawn can use (scripts/with-webgpu.sh picks the GPU or SwiftShader).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = import.meta.resolve('tsx');
const result = spawnSync(
  'bash',
  [join(root, 'scripts', 'with-webgpu.sh'), process.execPath, '--import', tsx, join(root, 'src', 'cli', 'main.ts'), ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
