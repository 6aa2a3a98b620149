# docker-compose.yml brought up whole by Debian's podman-compose (sourced by run.sh, after lib.sh
# and single.sh): PostgreSQL 15 from Debian's packages, two dispatchers sharing it, the receiver.
# An event ingested through dispatcher-a is delivered once; with dispatcher-a stopped,
# dispatcher-b goes on delivering.
#
# The receiver's secret exists only once a dispatcher has registered its URL, and the
# dispatchers must know at start where receiver.test is: so the services come up in three steps,
# and receiver.test is pinned to the compose network's gateway, where the receiver's port is
# published (the way a dispatcher reaches a receiver outside its network).

COMPOSE_PROJECT=spir-ci
COMPOSE_A_PORT=${COMPOSE_A_PORT:-9484}
COMPOSE_B_PORT=${COMPOSE_B_PORT:-9485}
COMPOSE_A_INTERNAL=${COMPOSE_A_INTERNAL:-9486}
COMPOSE_B_INTERNAL=${COMPOSE_B_INTERNAL:-9487}
COMPOSE_RECEIVER_PORT=${COMPOSE_RECEIVER_PORT:-9488}

compose() {
  podman-compose -p "$COMPOSE_PROJECT" -f "$ROOT/docker-compose.yml" -f "$CI_DIR/compose.ci.yml" "$@" \
    >>"$IMAGES_LOGS/podman-compose.log" 2>&1
}

compose_cleanup() {
  # The containers first, with their anonymous volumes (/app/data), which `down -v` leaves.
  podman rm -f -v "${COMPOSE_PROJECT}_dispatcher-a_1" "${COMPOSE_PROJECT}_dispatcher-b_1" \
    "${COMPOSE_PROJECT}_receiver_1" "${COMPOSE_PROJECT}_postgres_1" >/dev/null 2>&1 || true
  (cd "$ROOT" && compose down -v) || true
  podman volume rm -f "${COMPOSE_PROJECT}_pgdata" "${COMPOSE_PROJECT}_receiver-data" >/dev/null 2>&1 || true
  podman network rm -f "${COMPOSE_PROJECT}_default" >/dev/null 2>&1 || true
}

postgres_ready() { # the database the variables asked for, with its user and password, over TCP
  local i
  for ((i = 0; i < 120; i++)); do
    if podman exec -e PGPASSWORD=spir-dev-password "${COMPOSE_PROJECT}_postgres_1" \
      psql -h 127.0.0.1 -U spir -d webhooks -tAc 'SELECT current_user, current_database()' 2>/dev/null | grep -qx 'spir|webhooks'; then
      echo "PostgreSQL 15 answers as spir on webhooks (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB)"
      return 0
    fi
    sleep 0.5
  done
  podman logs --tail 20 "${COMPOSE_PROJECT}_postgres_1" 2>&1
  return 1
}

run_compose() {
  compose_cleanup
  make_certs || return 1
  : >"$IMAGES_LOGS/podman-compose.log"
  export INTERNAL_API_TOKEN SECRETS_KEY WEBHOOK_SECRET CI_POSTGRES_IMAGE=$POSTGRES_TAG CI_CERTS=$IMAGES_WORK/certs \
    CI_GATEWAY=127.0.0.1 DISPATCHER_A_PORT=127.0.0.1:$COMPOSE_A_PORT DISPATCHER_B_PORT=127.0.0.1:$COMPOSE_B_PORT \
    DISPATCHER_A_INTERNAL_PORT=$COMPOSE_A_INTERNAL DISPATCHER_B_INTERNAL_PORT=$COMPOSE_B_INTERNAL \
    RECEIVER_PORT=$COMPOSE_RECEIVER_PORT
  INTERNAL_API_TOKEN=$(openssl rand -base64 32 | tr -d '=+/')
  SECRETS_KEY=$(openssl rand -base64 32)
  WEBHOOK_SECRET=whsec_$(openssl rand -base64 32) # replaced by the registered one in step 3
  local a=http://127.0.0.1:$COMPOSE_A_INTERNAL b=http://127.0.0.1:$COMPOSE_B_INTERNAL
  local api_a=http://127.0.0.1:$COMPOSE_A_PORT api_b=http://127.0.0.1:$COMPOSE_B_PORT
  local session=(node "$CI_DIR/session.js") setup key started first second
  cd "$ROOT" || return 1

  # 1. PostgreSQL, and with it the compose network.
  compose up -d --no-build postgres || { check 'compose: up postgres' false; return 1; }
  check 'compose: PostgreSQL 15 made the user and database its variables name' postgres_ready || return 1
  CI_GATEWAY=$(podman network inspect "${COMPOSE_PROJECT}_default" -f '{{range .Subnets}}{{.Gateway}}{{end}}')
  # 2. Both dispatchers, on PostgreSQL.
  started=$(now_ms)
  compose up -d --no-build dispatcher-a dispatcher-b || { check 'compose: up the dispatchers' false; return 1; }
  check 'compose: dispatcher-a healthy on PostgreSQL' wait_healthy "${COMPOSE_PROJECT}_dispatcher-a_1" 90 "$started"
  check 'compose: dispatcher-b healthy on PostgreSQL' wait_healthy "${COMPOSE_PROJECT}_dispatcher-b_1" 90 "$started"
  check 'compose: dispatcher-b GET /readyz answers from PostgreSQL' http_expect "$api_b/readyz" 200 '"postgres"'
  # 3. The receiver, with the secret dispatcher-a showed for its URL.
  setup=$("${session[@]}" setup "$a" "$api_a" team-compose "https://receiver.test:$COMPOSE_RECEIVER_PORT/webhooks/spir") ||
    { check 'compose: team, API key and webhook made through dispatcher-a' false; return 1; }
  WEBHOOK_SECRET=$(node -pe 'JSON.parse(process.argv[1]).secret' "$setup")
  key=$(node -pe 'JSON.parse(process.argv[1]).apiKey' "$setup")
  started=$(now_ms)
  compose up -d --no-build receiver || { check 'compose: up the receiver' false; return 1; }
  check 'compose: receiver healthy' wait_healthy "${COMPOSE_PROJECT}_receiver_1" 60 "$started"

  first=$("${session[@]}" ingest "$a" team-compose)
  check 'compose: an event ingested through dispatcher-a is delivered once' delivered_once \
    "$first" "$key" "${COMPOSE_PROJECT}_receiver_1" "${session[@]}" delivered "$api_a"
  check 'compose: dispatcher-a stops on SIGTERM with exit 0' stop_cleanly "${COMPOSE_PROJECT}_dispatcher-a_1"
  second=$("${session[@]}" ingest "$b" team-compose)
  check 'compose: with dispatcher-a stopped, dispatcher-b delivers the next event once' delivered_once \
    "$second" "$key" "${COMPOSE_PROJECT}_receiver_1" "${session[@]}" delivered "$api_b"
  check 'compose: the first event was still handled only once' delivered_once \
    "$first" "$key" "${COMPOSE_PROJECT}_receiver_1" "${session[@]}" delivered "$api_b"
  check 'compose: dispatcher-b stops on SIGTERM with exit 0' stop_cleanly "${COMPOSE_PROJECT}_dispatcher-b_1"
  for c in postgres dispatcher-a dispatcher-b receiver; do
    podman logs "${COMPOSE_PROJECT}_${c}_1" >"$IMAGES_LOGS/compose-$c.log" 2>&1
  done
  compose_cleanup
}
