# Both images started as an operator starts them (sourced by run.sh, after lib.sh): the
# dispatcher with its defaults (no variable, no volume but the image's own), the receiver with
# its secret and a certificate from a throwaway CA, on one podman network. Probes every route an
# orchestrator and an operator use, then one signed delivery from the dispatcher's container to
# the receiver's over HTTPS, then a stop of each.

SINGLE_NET=spir-ci-single
SINGLE_SUBNET=10.89.42.0/24
RECEIVER_IP=10.89.42.10
DISPATCHER_PUBLISHED=${DISPATCHER_PUBLISHED:-127.0.0.1:9480}
RECEIVER_PUBLISHED=${RECEIVER_PUBLISHED:-127.0.0.1:9483}

single_cleanup() {
  podman rm -f -v spir-ci-dispatcher spir-ci-receiver >/dev/null 2>&1 || true
  podman network rm -f "$SINGLE_NET" >/dev/null 2>&1 || true
}

# A throwaway CA and a certificate for receiver.test, as `npm run dev:cert` makes them.
make_certs() {
  local d=$IMAGES_WORK/certs
  rm -rf "$d" && mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj '/CN=Spir CI throwaway CA' \
    -keyout "$d/ca-key.pem" -out "$d/ca.pem" 2>/dev/null &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=receiver.test' \
      -keyout "$d/receiver.test-key.pem" -out "$d/receiver.csr" 2>/dev/null &&
    openssl x509 -req -in "$d/receiver.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial -days 1 \
      -extfile <(printf 'subjectAltName=DNS:receiver.test\nextendedKeyUsage=serverAuth\n') \
      -out "$d/receiver.test-cert.pem" 2>/dev/null &&
    chmod 644 "$d"/*.pem
}

image_size_over_base() { # image_size_over_base IMAGE: bytes over node:20-bookworm-slim
  echo $(($(podman image inspect -f '{{.Size}}' "$1") - $(podman image inspect -f '{{.Size}}' "$NODE_TAG")))
}

dispatcher_size_within_budget() {
  local over
  over=$(image_size_over_base "$DISPATCHER_TAG")
  echo "dispatcher image: $((over / 1000000)) MB over its base (at most 40 MB)"
  ((over <= 40 * 1000 * 1000))
}

run_single() {
  single_cleanup
  make_certs || return 1
  podman network create --subnet "$SINGLE_SUBNET" "$SINGLE_NET" >/dev/null || return 1
  local session=(podman exec -w /app spir-ci-dispatcher node /ci/session.js) started setup secret key event
  started=$(now_ms)
  # Its defaults, plus what lets it reach a development receiver: the CA to trust and where
  # receiver.test is. The public listener published on this machine's loopback.
  podman run -d --name spir-ci-dispatcher --network "$SINGLE_NET" -p "$DISPATCHER_PUBLISHED:8080" \
    -v "$IMAGES_WORK/certs/ca.pem:/ci/ca.pem:ro" -v "$CI_DIR/session.js:/ci/session.js:ro" \
    -e NODE_EXTRA_CA_CERTS=/ci/ca.pem -e WEBHOOK_RESOLVE=receiver.test:$RECEIVER_IP "$DISPATCHER_TAG" >/dev/null || return 1
  check 'dispatcher: healthy (its HEALTHCHECK, /readyz) with its defaults' wait_healthy spir-ci-dispatcher 90 "$started"
  check 'dispatcher: GET /healthz' http_expect "http://$DISPATCHER_PUBLISHED/healthz" 200 '"ok"'
  check 'dispatcher: GET /readyz (SQLite in /app/data)' http_expect "http://$DISPATCHER_PUBLISHED/readyz" 200 '"ready".*"sqlite"'
  check 'dispatcher: GET /console/' http_expect "http://$DISPATCHER_PUBLISHED/console/" 200 '<div id="root"'
  check 'dispatcher: GET /metrics on the internal listener (container loopback)' \
    in_container spir-ci-dispatcher http://127.0.0.1:8081/metrics 200 'spir_webhook_store_up 1'
  check 'dispatcher: the public listener does not serve /metrics' http_expect "http://$DISPATCHER_PUBLISHED/metrics" 404
  check 'dispatcher: runs as node (uid 1000), node is PID 1, writes /app/data' podman exec spir-ci-dispatcher \
    sh -c 'test "$(id -u)" = 1000 && grep -q "^node" /proc/1/cmdline && test -s /app/data/internal-api-token && test -s /app/data/dispatcher.db && ! touch /app/dispatcher/x 2>/dev/null'
  check 'dispatcher: adds at most 40 MB to its base' dispatcher_size_within_budget

  # The receiver, given the secret the dispatcher showed for its URL.
  setup=$("${session[@]}" setup http://127.0.0.1:8081 http://127.0.0.1:8080 team-ci https://receiver.test:3000/webhooks/spir) ||
    { check 'dispatcher: team, API key and webhook made' false; return 1; }
  secret=$(node -pe 'JSON.parse(process.argv[1]).secret' "$setup")
  key=$(node -pe 'JSON.parse(process.argv[1]).apiKey' "$setup")
  started=$(now_ms)
  podman run -d --name spir-ci-receiver --network "$SINGLE_NET" --ip "$RECEIVER_IP" -p "$RECEIVER_PUBLISHED:3000" \
    -v "$IMAGES_WORK/certs:/ci/certs:ro" -e WEBHOOK_SECRET="$secret" \
    -e TLS_CERT_FILE=/ci/certs/receiver.test-cert.pem -e TLS_KEY_FILE=/ci/certs/receiver.test-key.pem "$RECEIVER_TAG" >/dev/null || return 1
  check 'receiver: healthy (its HEALTHCHECK) with a secret and a certificate' wait_healthy spir-ci-receiver 60 "$started"
  check 'receiver: an unsigned POST is refused 401' bash -c "[[ \$(curl -s -m 10 -o /dev/null -w '%{http_code}' \
    --cacert '$IMAGES_WORK/certs/ca.pem' --resolve 'receiver.test:${RECEIVER_PUBLISHED##*:}:127.0.0.1' -X POST -d '{}' \
    'https://receiver.test:${RECEIVER_PUBLISHED##*:}/webhooks/spir') == 401 ]]"

  event=$("${session[@]}" ingest http://127.0.0.1:8081 team-ci)
  check 'one event: ingested, delivered signed over HTTPS, handled once by the receiver' delivered_once \
    "$event" "$key" spir-ci-receiver "${session[@]}" delivered http://127.0.0.1:8080

  check 'receiver: stops on SIGTERM with exit 0 within the grace' stop_cleanly spir-ci-receiver
  check 'dispatcher: stops on SIGTERM with exit 0 within the grace' stop_cleanly spir-ci-dispatcher
  podman logs spir-ci-dispatcher >"$IMAGES_LOGS/dispatcher.log" 2>&1
  podman logs spir-ci-receiver >"$IMAGES_LOGS/receiver.log" 2>&1
  single_cleanup
}

# delivered_once EVENT_JSON API_KEY RECEIVER_CONTAINER SESSION_COMMAND... PUBLIC_URL: the delivery
# succeeded, and the receiver logged the event handled exactly once.
delivered_once() {
  local event=$1 key=$2 receiver=$3 delivery id handled
  shift 3
  [[ -n $event ]] || { echo 'no event was ingested'; return 1; }
  delivery=$(node -pe 'JSON.parse(process.argv[1]).deliveryId' "$event")
  id=$(node -pe 'JSON.parse(process.argv[1]).webhookEventId' "$event")
  "$@" "$key" "$delivery" || return 1
  sleep 1 # the receiver's log line follows its answer
  handled=$(podman logs "$receiver" 2>&1 | grep '"msg":"handled"' | grep -c "$id" || true)
  echo "event $id: delivery $delivery succeeded; the receiver logged it handled $handled time(s)"
  [[ $handled == 1 ]]
}
