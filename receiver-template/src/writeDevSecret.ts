import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateWebhookSecret, runService } from './contract';

// `npm run secret`: a test secret in .dev.vars (WEBHOOK_SECRET=whsec_...), the file `wrangler dev`
// reads, and `npm run dev` and `npm run check:dev` too, so that the receiver and the checker share
// it before any URL is registered with Spir. Never printed: terminals and CI logs are not secret.
// An existing secret is kept, so that a receiver already running keeps matching.
async function main(): Promise<void> {
  const file = '.dev.vars';
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  if (lines.some((line) => /^WEBHOOK_SECRET=whsec_/.test(line))) {
    console.log(`${file} already holds a WEBHOOK_SECRET: kept (delete that line for a new one).`);
    return;
  }
  const kept = lines.filter((line) => line.trim() !== '' && !line.startsWith('WEBHOOK_SECRET='));
  writeFileSync(file, [...kept, `WEBHOOK_SECRET=${generateWebhookSecret()}`, ''].join('\n'), { mode: 0o600 });
  console.log(
    `Wrote a test secret to ${file} as WEBHOOK_SECRET (not shown; .gitignore keeps the file out of git). ` +
      'Spir gives the real one when you register the URL.',
  );
}

runService('secret', main);
