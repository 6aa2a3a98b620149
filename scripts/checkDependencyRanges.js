#!/usr/bin/env node
// One version range per dependency across the monorepo's packages (the receiver template's own
// lockfile included): two ranges for one package let two copies, or two behaviours, creep in.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const manifests = ['.', ...JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces];
const ranges = new Map();
for (const folder of manifests) {
  const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8'));
  for (const field of ['dependencies', 'devDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (range.startsWith('file:')) continue;
      const seen = ranges.get(name) ?? new Map();
      seen.set(range, [...(seen.get(range) ?? []), folder]);
      ranges.set(name, seen);
    }
  }
}
const differing = [...ranges].filter(([, seen]) => seen.size > 1);
for (const [name, seen] of differing) {
  console.error(`${name}: ${[...seen].map(([range, folders]) => `${range} in ${folders.join(', ')}`).join('; ')}`);
}
if (differing.length > 0) {
  console.error('Give each dependency one version range in every package.json.');
  process.exit(1);
}
