#!/usr/bin/env bash
# CI's image job: builds the images Spir deploys (dispatcher/Dockerfile, receiver-template/
# Dockerfile) as a registry-less machine can, starts them as an operator would and checks them
# (single.sh), then brings up docker-compose.yml with podman-compose (compose.sh). Each check is
# a test in the jest-shaped report it writes, so it counts in CI's `tests: N passed, N failed`.
#   bash .ci/images/run.sh [REPORT_JSON]      (as root; installs what it needs with apt-get)
# Kept between runs on one machine, so that a second run builds only what changed: the images in
# local storage (REBUILD_BASES=1 remakes the base images) and /var/cache/spir-ci-images.
# Figures (build times, sizes, time to healthy) go to the output and $IMAGES_WORK/figures.txt.
set -uo pipefail
CI_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$CI_DIR/../.." && pwd)
REPORT=${1:-${TMPDIR:-/tmp}/spir-ci-images/report.json}
# shellcheck source=lib.sh
source "$CI_DIR/lib.sh"
# shellcheck source=bases.sh
source "$CI_DIR/bases.sh"
# shellcheck source=single.sh
source "$CI_DIR/single.sh"
# shellcheck source=compose.sh
source "$CI_DIR/compose.sh"
: >"$RESULTS_TSV"
: >"$FIGURES"
job_started=$(now_ms)
trap 'single_cleanup; compose_cleanup; node "$CI_DIR/results.js" "$RESULTS_TSV" "$REPORT"' EXIT

# timed NAME COMMAND...: runs it, records its time as a figure, and as a check.
timed() {
  local name=$1 started status
  shift
  started=$(now_ms)
  check "$name" "$@" && status=0 || status=$?
  figure "$name: $((($(now_ms) - started) / 1000)) s"
  return "$status"
}

log 'tools'
need=()
for t in podman buildah runc mmdebstrap podman-compose curl openssl; do command -v "$t" >/dev/null || need+=("$t"); done
if ((${#need[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || exit 1
fi
podman --version

build_image() { # build_image TAG CONTEXT [DOCKERFILE]: buildah bud, its log kept
  local name=${1##*/} old
  old=$(podman image inspect -f '{{.Id}}' "$1" 2>/dev/null)
  buildah bud "${BUILD_OPTS[@]}" -t "$1" ${3:+-f "$3"} "$2" >"$IMAGES_LOGS/build-${name%:*}.log" 2>&1 ||
    { tail -30 "$IMAGES_LOGS/build-${name%:*}.log"; return 1; }
  # The image it replaced, if any, is left untagged: remove it (shared layers stay).
  if [[ -n $old && $old != $(podman image inspect -f '{{.Id}}' "$1") ]]; then podman rmi "$old" >/dev/null 2>&1 || true; fi
}

log 'base images (made once per machine)'
timed 'base: debian:bookworm-slim from Debian packages' make_debian_base || exit 1
# PostgreSQL's image (apt, network-bound) is made meanwhile the node base and the dispatcher.
timed 'base: PostgreSQL 15 image from Debian packages (meanwhile)' make_postgres_image >"$IMAGES_LOGS/postgres-image.out" 2>&1 &
postgres_pid=$!
timed 'base: node:20-bookworm-slim with the official Node binary' make_node_base || exit 1

log 'the images'
timed 'build: dispatcher/Dockerfile' build_image "$DISPATCHER_TAG" "$ROOT" "$ROOT/dispatcher/Dockerfile" || exit 1
timed 'build: receiver-template/Dockerfile (its folder alone)' build_image "$RECEIVER_TAG" "$ROOT/receiver-template" || exit 1
wait "$postgres_pid"
cat "$IMAGES_LOGS/postgres-image.out"
for image in "$NODE_TAG" "$DISPATCHER_TAG" "$RECEIVER_TAG" "$POSTGRES_TAG"; do
  figure "size: $image $(($(podman image inspect -f '{{.Size}}' "$image" 2>/dev/null || echo 0) / 1000000)) MB"
done
figure "size over node:20-bookworm-slim: dispatcher $(($(image_size_over_base "$DISPATCHER_TAG") / 1000000)) MB, receiver $(($(image_size_over_base "$RECEIVER_TAG") / 1000000)) MB"

log 'both images, started alone'
run_single
log 'docker-compose.yml with podman-compose'
run_compose
figure "image job: $((($(now_ms) - job_started) / 1000)) s"
! grep -q '^failed' "$RESULTS_TSV"
