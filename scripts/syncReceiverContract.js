#!/usr/bin/env node
// The receiver template stands alone (a customer copies its folder and nothing else), so what it
// needs of the contract lives inside it as a generated copy of shared-types' own files.
//   node scripts/syncReceiverContract.js          rewrites receiver-template/src/contract/
//   node scripts/syncReceiverContract.js --check  exits 1 when the copy is stale (CI runs this)
const { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');
const from = join(root, 'shared-types', 'src');
const to = join(root, 'receiver-template', 'src', 'contract');

/** The files the template uses, their imports closed under this list. */
const files = [
  'schemas.ts',
  'contractDeviations.ts',
  'lenientParse.ts',
  'formAnswers.ts',
  'samples.ts',
  'signing.ts',
  'service.ts',
  'webhookUrlRules.ts',
  'testing/throwawayCa.ts',
  'testing/withUnknownFields.ts',
];

const header =
  '// Generated from shared-types/src by scripts/syncReceiverContract.js in the Spir webhooks kit:\n' +
  '// edit it there, not here (CI fails when this copy differs from its source).\n';

function expected() {
  const out = new Map();
  for (const file of files) out.set(file, header + readFileSync(join(from, file), 'utf8'));
  const exported = files.filter((file) => !file.startsWith('testing/'));
  out.set('index.ts', header + exported.map((file) => `export * from './${file.replace(/\.ts$/, '')}';\n`).join(''));
  return out;
}

function present() {
  const out = new Map();
  const walk = (dir, prefix) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else out.set(`${prefix}${entry.name}`, readFileSync(join(dir, entry.name), 'utf8'));
    }
  };
  walk(to, '');
  return out;
}

/** The files whose copy is missing, different, or left over. */
function staleFiles() {
  const want = expected();
  const have = present();
  const stale = [...want].filter(([file, text]) => have.get(file) !== text).map(([file]) => file);
  return [...stale, ...[...have.keys()].filter((file) => !want.has(file))];
}

function write() {
  rmSync(to, { recursive: true, force: true });
  for (const [file, text] of expected()) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    writeFileSync(join(to, file), text);
  }
}

if (require.main === module) {
  if (process.argv.includes('--check')) {
    const stale = staleFiles();
    if (stale.length > 0) {
      console.error(
        `receiver-template/src/contract is stale (${stale.join(', ')}): run npm run sync:receiver-contract and commit`,
      );
      process.exit(1);
    }
    console.log('receiver-template/src/contract matches shared-types/src');
  } else {
    write();
    console.log(`wrote ${files.length + 1} files to receiver-template/src/contract`);
  }
}

module.exports = { staleFiles };
