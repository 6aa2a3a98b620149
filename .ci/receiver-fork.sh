#!/usr/bin/env bash
# The receiver template as a customer forks it: its folder copied alone to a temporary directory,
# then `npm ci`, its own tests, the build, and the server answering a signed Spir event 200 and a
# forged one 401. Proves the template never leans on the monorepo again.
#   bash .ci/receiver-fork.sh [<jest --outputFile path>]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fork=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$fork"' EXIT
tar -C "$root/receiver-template" --exclude=node_modules --exclude=dist -cf - . | tar -C "$fork" -xf -
cd "$fork"
echo "receiver fork: npm ci in $fork"
npm ci --no-audit --no-fund
npm run typecheck
npm run build
npx jest --ci ${1:+--json --outputFile="$1"}

secret=$(node -e "console.log('whsec_' + require('crypto').randomBytes(32).toString('base64'))")
port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
WEBHOOK_SECRET=$secret PORT=$port HOST=127.0.0.1 node dist/main.js > server.log 2>&1 &
server=$!
node - "$port" "$secret" <<'NODE'
const { Webhook } = require('standardwebhooks');
const { samples } = require('./dist/contract');
const [port, secret] = process.argv.slice(2);
const url = `http://127.0.0.1:${port}/webhooks/spir`;
async function post(id, signWith, event) {
  const body = JSON.stringify({ ...event, webhookEventId: id });
  const at = new Date();
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(signWith).sign(id, at, body),
  };
  return (await fetch(url, { method: 'POST', headers, body })).status;
}
(async () => {
  for (let i = 0; i < 100; i++) {
    try { await fetch(url); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  const results = [];
  for (const [name, event] of Object.entries(samples)) {
    const withUnknown = { ...event, addedLater: 1, payload: { ...event.payload, newField: 'x' } };
    results.push([`signed ${name}, unknown fields included`, await post(`fork-${name}`, secret, withUnknown), 200]);
  }
  results.push(['the same event again', await post('fork-form.answered', secret, samples['form.answered']), 200]);
  const forger = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
  results.push(['a forged signature', await post('fork-forged', forger, samples['form.answered']), 401]);
  let failed = 0;
  for (const [what, got, want] of results) {
    console.log(`${got === want ? 'ok  ' : 'FAIL'} ${what}: ${got} (want ${want})`);
    if (got !== want) failed++;
  }
  process.exit(failed === 0 ? 0 : 1);
})();
NODE
handled=$(grep -c '"msg":"handled"' server.log || true)
echo "receiver fork: the server logged $handled handled events (want 3: the duplicate runs no handler)"
[ "$handled" -eq 3 ]
