#!/usr/bin/env bash
# The receiver template as a customer forks it: its folder copied alone to a temporary directory,
# then the commands of its README as written there (each one checked to be in the README; only
# the ports differ, free ones instead of 3000 and 8787): `npm ci`, its tests, `npm run dev:cert`,
# `npm run secret`, `npm run dev` and `npm run check:dev` (9 of 9 on Node), `npm run dev:workers`
# and `npm run check:dev` (9 of 9 under wrangler dev). Then signed events on both runtimes: a
# cancel with its reason under another name refused (503) by default and handled once after the
# README's edit; a duplicate sent to two `wrangler dev` processes sharing one D1 database handled once.
#   bash .ci/receiver-fork.sh [<jest --outputFile path>]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fork=$(mktemp -d)
groups=()
# Each server runs in its own process group (setsid), so that stopping it stops wrangler's workerd too.
stop_servers() {
  for group in "${groups[@]}"; do kill -- "-$group" 2>/dev/null || true; done
  groups=()
  sleep 1
}
trap 'stop_servers; rm -rf "$fork"' EXIT
tar -C "$root/receiver-template" --exclude=node_modules --exclude=dist --exclude=dev-certs \
  --exclude=.dev.vars --exclude=.wrangler -cf - . | tar -C "$fork" -xf -
cd "$fork"
say() { echo "receiver fork: $*"; }
fail() { echo "receiver fork: FAIL $*"; exit 1; }

# The README's commands, comments stripped; every command run below must be one of them.
readme_commands=$(awk '/^```sh$/ { inside = 1; next } /^```$/ { inside = 0 } inside' README.md | sed -E 's/[[:space:]]+#.*$//')
readme() { grep -qxF -- "$1" <<<"$readme_commands" || fail "the README no longer says \`$1\`: update .ci/receiver-fork.sh"; }
free_port() { node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})"; }
# Starts a server in the background in its own process group; its output goes to the file $1.
serve() {
  local log=$1
  shift
  setsid "$@" >"$log" 2>&1 &
  groups+=("$!")
}

say "npm ci in $fork"
readme 'npm ci'
npm ci

# Before any build, `npm start` says to build first, without a module stack.
if start_output=$(WEBHOOK_SECRET=unused npm start 2>&1); then fail "npm start before a build succeeded"; fi
grep -q 'npm run build' <<<"$start_output" || fail "npm start before a build: $start_output"
if grep -q 'MODULE_NOT_FOUND' <<<"$start_output"; then fail "npm start before a build printed a stack"; fi

npm run typecheck
npm run build
npx jest --ci ${1:+--json --outputFile="$1"}

readme 'npm run dev:cert'
npm run dev:cert
readme 'npm run secret'
npm run secret
secret=$(sed -n 's/^WEBHOOK_SECRET=//p' .dev.vars)
[ -n "$secret" ] || fail "npm run secret wrote no WEBHOOK_SECRET to .dev.vars"

# .gitignore: neither the private key, the secret, the build nor the dependencies would be committed.
git init -q . && git add -A
committed=$(git diff --cached --name-only | grep -E '^(dev-certs/|\.dev\.vars|node_modules/|dist/|\.wrangler/)' || true)
[ -z "$committed" ] || fail "these would be committed: $(head -3 <<<"$committed")"
rm -rf .git

# As a developer waits for `npm run dev` to say it listens before running the checker in a second
# terminal: until the port accepts a connection (at most three minutes), or fails if the server exited.
wait_listening() {
  local port=$1 log=$2 group=${groups[-1]}
  for _ in $(seq 1 900); do
    if node -e "require('net').connect($port,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"; then
      return 0
    fi
    kill -0 -- "-$group" 2>/dev/null || {
      tail -20 "$log"
      fail "the server exited before listening on $port"
    }
    sleep 0.2
  done
  tail -20 "$log"
  fail "nothing listened on $port within three minutes"
}

# The checker as the README runs it (port $1 where the README says $2); its output must never hold the secret.
check_dev() {
  local url="https://receiver.test:$1/webhooks/spir" output
  readme "npm run check:dev -- https://receiver.test:$2/webhooks/spir"
  output=$(npm run check:dev -- "$url" 2>&1) || {
    echo "$output"
    return 1
  }
  echo "$output"
  grep -q '9 of 9 rules passed' <<<"$output" || return 1
  grep -q 'deviating event: .*HTTP 503' <<<"$output" || return 1
  if grep -qF -- "${secret#whsec_}" <<<"$output"; then fail "the checker printed the secret"; fi
}

# Node, as the README runs it, on a free port instead of 3000.
port=$(free_port)
readme 'npm run dev'
serve dev.log env PORT="$port" npm run dev
wait_listening "$port" dev.log
check_dev "$port" 3000 || {
  tail -20 dev.log
  fail "npm run check:dev against npm run dev"
}
say "npm run dev and npm run check:dev: 9 of 9 on Node"
stop_servers

# Signed events on Node (plain HTTP on loopback), then the deviating cancel refused by default.
port=$(free_port)
serve server.log env WEBHOOK_SECRET="$secret" PORT="$port" HOST=127.0.0.1 node dist/main.js
node "$root/.ci/signedRequests.js" "http://127.0.0.1:$port/webhooks/spir" "$secret"
handled=$(grep -c '"msg":"handled"' server.log || true)
say "the server logged $handled handled events (want 3: the duplicate runs no handler)"
[ "$handled" -eq 3 ]
grep -q '"msg":"skipped: already handled"' server.log || fail "a skipped duplicate left no log line"
node "$root/.ci/deviatingCancel.js" "http://127.0.0.1:$port/webhooks/spir" "$secret" fork-renamed-node 503
stop_servers

# Workers, as the README runs it (wrangler dev, HTTPS with the development certificate), on a free port.
wport=$(free_port)
readme 'npm run dev:workers'
serve workers.log env WRANGLER_SEND_METRICS=false CI=true npm run dev:workers -- --port "$wport" --ip 127.0.0.1 \
  --inspector-port "$(free_port)"
wait_listening "$wport" workers.log
check_dev "$wport" 8787 || {
  tail -30 workers.log
  fail "npm run check:dev against npm run dev:workers"
}
say "npm run dev:workers and npm run check:dev: 9 of 9 under $(grep -o 'wrangler [0-9][0-9.]*' workers.log | head -1)"
stop_servers

# The README's edit: accept a cancel's reason sent as `reason`.
renaming="  // 'payload.cancelReason': 'payload.reason',"
readme_ts=$(awk '/^```ts$/ { inside = 1; next } /^```$/ { inside = 0 } inside' README.md)
grep -qxF -- "$renaming" <<<"$readme_ts" || fail "the README no longer shows the knownRenamings line"
grep -qxF -- "$renaming" src/handlers.ts || fail "src/handlers.ts no longer holds the README's knownRenamings line"
sed -i "s|^  // 'payload.cancelReason': 'payload.reason',$|  'payload.cancelReason': 'payload.reason',|" src/handlers.ts
npm run build

# Node: the same cancel now handled once by onEventCanceled; its retry is a duplicate.
port=$(free_port)
serve accepted.log env WEBHOOK_SECRET="$secret" PORT="$port" HOST=127.0.0.1 node dist/main.js
node "$root/.ci/deviatingCancel.js" "http://127.0.0.1:$port/webhooks/spir" "$secret" fork-renamed-node 200
node "$root/.ci/deviatingCancel.js" "http://127.0.0.1:$port/webhooks/spir" "$secret" fork-renamed-node 200
handled=$(grep -c '"msg":"handled","webhookEventId":"fork-renamed-node".*"by":"typed handler, corrected by onDeviatingEvent"' accepted.log || true)
say "Node handled the renamed cancel $handled time(s) in onEventCanceled (want 1)"
[ "$handled" -eq 1 ]
stop_servers

# Workers: two wrangler dev processes (two isolates) sharing one local D1 database. The cancel is
# refused by neither now; sent to the first, then its duplicate to the second, it is handled once.
state="$fork/.wrangler-shared"
aport=$(free_port)
serve workers-a.log env WRANGLER_SEND_METRICS=false CI=true npx wrangler dev --port "$aport" --ip 127.0.0.1 \
  --inspector-port "$(free_port)" --persist-to "$state"
bport=$(free_port)
serve workers-b.log env WRANGLER_SEND_METRICS=false CI=true npx wrangler dev --port "$bport" --ip 127.0.0.1 \
  --inspector-port "$(free_port)" --persist-to "$state"
node "$root/.ci/signedRequests.js" "http://127.0.0.1:$aport/webhooks/spir" "$secret" || {
  tail -20 workers-a.log
  fail "signed events under wrangler dev"
}
node "$root/.ci/deviatingCancel.js" "http://127.0.0.1:$aport/webhooks/spir" "$secret" fork-renamed-workers 200
node "$root/.ci/deviatingCancel.js" "http://127.0.0.1:$bport/webhooks/spir" "$secret" fork-renamed-workers 200 || {
  tail -20 workers-b.log
  fail "the duplicate to the second wrangler dev"
}
handled=$(cat workers-a.log workers-b.log | grep -c '"msg":"handled","webhookEventId":"fork-renamed-workers"' || true)
grep -q '"msg":"skipped: already handled","webhookEventId":"fork-renamed-workers"' workers-b.log ||
  fail "the second wrangler dev did not skip the duplicate"
say "two wrangler dev processes on one D1 database handled the renamed cancel $handled time(s) (want 1)"
[ "$handled" -eq 1 ]
