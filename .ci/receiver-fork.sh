#!/usr/bin/env bash
# The receiver template as a customer forks it: its folder copied alone to a temporary directory,
# then `npm ci`, its own tests, the build, and the server answering a signed Spir event 200 and a
# forged one 401. Proves the template never leans on the monorepo again.
#   bash .ci/receiver-fork.sh [<jest --outputFile path>]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fork=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null; pkill -f "${tools:-/nonexistent}/node_modules" 2>/dev/null; rm -rf "$fork"' EXIT
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
node "$root/.ci/signedRequests.js" "http://127.0.0.1:$port/webhooks/spir" "$secret"
handled=$(grep -c '"msg":"handled"' server.log || true)
echo "receiver fork: the server logged $handled handled events (want 3: the duplicate runs no handler)"
[ "$handled" -eq 3 ]
kill "$server"

# The ./fetch export in the real Workers runtime: wrangler's local server (workerd, from npm).
# wrangler needs Node >= 22.12 while the project runs on 20, so Node 22 comes from the npm
# registry (the `node` package) into a tools folder kept between runs, as for the Zapier CLI.
tools=${WRANGLER_TOOLS_DIR:-${TMPDIR:-/tmp}/spir-wrangler-4}
if [ ! -x "$tools/node_modules/.bin/wrangler" ] || [ ! -x "$tools/node_modules/node/bin/node" ]; then
  npm install --no-audit --no-fund --prefix "$tools" node@22 wrangler@4
fi
wport=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
PATH="$tools/node_modules/node/bin:$PATH" WRANGLER_SEND_METRICS=false CI=true \
  "$tools/node_modules/.bin/wrangler" dev --port "$wport" --ip 127.0.0.1 --var "WEBHOOK_SECRET:$secret" > workers.log 2>&1 &
server=$!
node "$root/.ci/signedRequests.js" "http://127.0.0.1:$wport/webhooks/spir" "$secret" || { tail -20 workers.log; exit 1; }
echo "receiver fork: the ./fetch export answered in the Workers runtime ($(grep -o 'wrangler [0-9.]*' workers.log | head -1))"
