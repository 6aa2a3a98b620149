# Shared by the image job's scripts (sourced, never run): where things are kept, how podman and
# buildah are called on this kind of machine, and how a check is recorded.
#
# Why these options: podman's default runtime here (crun) cannot start anything ("crun: cgroups
# in hybrid mode not supported, drop all controllers from cgroupv2"); runc can, provided no
# rlimit is raised above what conmon has (root has no CAP_SYS_RESOURCE: podman's default nofile
# 1048576 and nproc 4194304 fail with "error setting rlimit type 7: operation not permitted").
# Builds run with chroot isolation for the same reason. The options live in a containers.conf
# named by CONTAINERS_CONF, so podman-compose's own podman calls get them too.

IMAGES_WORK=${IMAGES_WORK:-${TMPDIR:-/tmp}/spir-ci-images}
# Kept between runs on one machine (a fresh machine makes everything): the Debian root file
# system and the npm tarballs the base images are made from.
IMAGES_CACHE=${IMAGES_CACHE:-/var/cache/spir-ci-images}
IMAGES_LOGS=$IMAGES_WORK/logs
RESULTS_TSV=$IMAGES_WORK/results.tsv
FIGURES=$IMAGES_WORK/figures.txt
DEBIAN_TAG=docker.io/library/debian:bookworm-slim
NODE_TAG=docker.io/library/node:20-bookworm-slim
POSTGRES_TAG=localhost/spir-ci-postgres:15
DISPATCHER_TAG=localhost/spir-dispatcher:latest
RECEIVER_TAG=localhost/spir-receiver:latest
mkdir -p "$IMAGES_WORK" "$IMAGES_CACHE" "$IMAGES_LOGS"

nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
cat >"$IMAGES_WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF=$IMAGES_WORK/containers.conf BUILDAH_ISOLATION=chroot

# Build-time settings for npm in RUN steps (this machine only; never in an image): trust the CAs
# this machine trusts (node's own list lacks the one its registry mirror needs), and build
# better-sqlite3 against the headers the base image carries (its prebuilt binaries' host and
# Node's headers' host are unreachable), compiling its two sources at once (node-gyp reads jobs).
# They ride in /root/.npmrc of build stages only.
mkdir -p "$IMAGES_WORK/buildconf"
cp /etc/ssl/certs/ca-certificates.crt "$IMAGES_WORK/buildconf/ca.crt"
printf 'cafile=/root/.buildconf/ca.crt\nnodedir=/usr/local\njobs=max\nupdate-notifier=false\n' >"$IMAGES_WORK/buildconf/npmrc"
# --format docker: the OCI format has no HEALTHCHECK, and buildah drops it without one. --jobs 2:
# the dispatcher's build and pruning stages at once. --layers: a second build reuses what did not change.
BUILD_OPTS=(--layers --jobs 2 --format docker --isolation chroot --network host --pull-never
  --ulimit "nofile=$nofile:$nofile" -v "$IMAGES_WORK/buildconf:/root/.buildconf:ro"
  -v "$IMAGES_WORK/buildconf/npmrc:/root/.npmrc:ro")

# figure TEXT: a measured figure, printed and kept in figures.txt (also from inside check()).
figure() { echo "figure: $*" | tee -a "$FIGURES"; }
log() { printf '\n=== %s  %s\n' "$(date +%T)" "$*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# check NAME COMMAND...: runs the command, records NAME as passed or failed (with the command's
# last output lines) for results.js, and returns its status.
check() {
  local name=$1 out status
  shift
  out=$("$@" 2>&1) && status=0 || status=$?
  if ((status == 0)); then
    printf '  ok    %s\n' "$name"
    grep '^figure: ' <<<"$out" || true
    printf 'passed\t%s\t\n' "$name" >>"$RESULTS_TSV"
  else
    printf '  FAIL  %s\n%s\n' "$name" "$(tail -15 <<<"$out" | sed 's/^/        /')"
    printf 'failed\t%s\t%s\n' "$name" "$(tail -15 <<<"$out" | tr '\t\n' '  ')" >>"$RESULTS_TSV"
  fi
  return "$status"
}

# http_expect URL CODE [BODY-REGEX]: curl from this machine.
http_expect() {
  local body code
  body=$(curl -sS -m 10 -w '\n%{http_code}' "$1") || return 1
  code=${body##*$'\n'}
  body=${body%$'\n'*}
  echo "$1 -> $code $(head -c 200 <<<"$body")"
  [[ $code == "$2" ]] && { [[ -z ${3:-} ]] || [[ $body =~ $3 ]]; }
}

# in_container CONTAINER URL CODE [BODY-REGEX]: the same from inside a container, through its node
# (for listeners on the container's own loopback, as the internal one is by default).
in_container() {
  podman exec -e URL="$2" -e CODE="$3" -e RE="${4:-}" "$1" node -e '
    fetch(process.env.URL, { signal: AbortSignal.timeout(10000) }).then(async (r) => {
      const body = await r.text();
      console.log(`${process.env.URL} -> ${r.status} ${body.slice(0, 200)}`);
      const ok = r.status === Number(process.env.CODE) && new RegExp(process.env.RE).test(body);
      process.exit(ok ? 0 : 1);
    }, (e) => { console.log(String(e.cause ?? e)); process.exit(1); });'
}

# wait_healthy CONTAINER SECONDS STARTED_MS: polls the image's own HEALTHCHECK (podman runs it on
# demand; there is no systemd timer here to run it on its interval). Prints the time since STARTED_MS.
wait_healthy() {
  local i
  for ((i = 0; i < $2 * 2; i++)); do
    if podman healthcheck run "$1" >/dev/null 2>&1; then
      figure "$1 healthy $(($(now_ms) - $3)) ms after podman run"
      return 0
    fi
    [[ $(podman inspect -f '{{.State.Running}}' "$1" 2>/dev/null) == true ]] || break
    sleep 0.5
  done
  echo "$1 not healthy; its log:"
  podman logs --tail 20 "$1" 2>&1
  return 1
}

# stop_cleanly CONTAINER: podman stop (SIGTERM, 30 s grace) must end it with exit 0 before the grace.
stop_cleanly() {
  local start code took
  start=$(now_ms)
  podman stop -t 30 "$1" >/dev/null
  took=$(($(now_ms) - start))
  code=$(podman inspect -f '{{.State.ExitCode}}' "$1")
  figure "$1 stopped in $took ms with exit code $code"
  [[ $code == 0 ]] && ((took < 30000))
}
