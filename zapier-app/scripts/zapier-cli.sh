#!/usr/bin/env bash
# Runs the real zapier-platform-cli 19 against this app: `validate`, `build`, or any other CLI
# command (`login`, `register`, `upload`, `env:set`, `push`, ...), passed through as it is:
#   npm run zapier -w zapier-app -- <command> [arguments]
#
# The CLI's 19.x line needs Node >= 22 while the project runs on Node 20, so Node 22 comes from
# the npm registry (the `node` package) into a throwaway folder and is put first on PATH for
# this script only. Neither talks to Zapier: validate --without-style checks the definition,
# and build installs the app's dependencies from the npm registry into a staging copy where
# shared-types is a packed tarball, so that build.zip holds shared-types itself rather than a
# workspace link, then runs the CLI's own smoke test of the zip.
set -euo pipefail

command=${1:?usage: npm run zapier -w zapier-app -- <zapier-platform command> [arguments]}
app_dir=$(cd "$(dirname "$0")/.." && pwd)
root_dir=$(cd "$app_dir/.." && pwd)
tools=${ZAPIER_TOOLS_DIR:-${TMPDIR:-/tmp}/spir-zapier-cli-19.1.0}

if [ ! -x "$tools/node_modules/.bin/zapier-platform" ] || [ ! -x "$tools/node_modules/node/bin/node" ]; then
  echo "Installing Node 22 and zapier-platform-cli 19.1.0 into $tools (once)..."
  mkdir -p "$tools"
  printf '{ "name": "spir-zapier-cli-tools", "private": true, "allowScripts": { "node": true, "esbuild": true } }\n' > "$tools/package.json"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error node@22 zapier-platform-cli@19.1.0
fi

(cd "$root_dir" && npx tsc -b)
export PATH="$tools/node_modules/node/bin:$tools/node_modules/.bin:$PATH"
export DISABLE_ZAPIER_ANALYTICS=1
echo "zapier-platform-cli $(zapier-platform --version | head -n 1) on Node $(node --version)"

case "$command" in
  validate)
    cd "$app_dir"
    zapier-platform validate --without-style
    ;;
  build)
    stage=$(mktemp -d "${TMPDIR:-/tmp}/spir-zapier-build.XXXXXX")
    trap 'rm -rf "$stage"' EXIT
    mkdir -p "$stage/vendor"
    tarball=$(cd "$root_dir/shared-types" && npm pack --silent --pack-destination "$stage/vendor")
    cp -R "$app_dir/index.js" "$app_dir/dist" "$stage/"
    rm -f "$stage"/dist/*.test.* "$stage"/dist/*/*.test.*
    # The staging package.json: the app's own, with shared-types from the tarball and no dev tools.
    node -e '
      const [appDir, stage, tarball] = process.argv.slice(1);
      const pkg = require(`${appDir}/package.json`);
      pkg.dependencies["@spir-webhooks/shared-types"] = `file:./vendor/${tarball}`;
      delete pkg.devDependencies;
      delete pkg.scripts;
      require("fs").writeFileSync(`${stage}/package.json`, JSON.stringify(pkg, null, 2));
    ' "$app_dir" "$stage" "$tarball"
    printf 'node_modules/\nbuild/\nvendor/\n' > "$stage/.gitignore"
    # get-intrinsic loads these packages' require.mjs in a way the CLI's file detection misses.
    printf '{ "id": 0, "key": "spir_webhooks", "includeInBuild": ["node_modules/(async-function|generator-function|async-generator-function)/"] }\n' > "$stage/.zapierapprc"
    (cd "$stage" && npm install --omit=dev --no-audit --no-fund --loglevel=error && zapier-platform build --skip-validation --skip-dep-install)
    mkdir -p "$app_dir/build"
    cp "$stage/build/build.zip" "$stage/build/source.zip" "$app_dir/build/"
    echo "Wrote $app_dir/build/build.zip"
    unzip -l "$app_dir/build/build.zip" | grep -E 'node_modules/@spir-webhooks/shared-types/(package.json|dist/index.js)$'
    ;;
  *)
    # Any other command is the CLI's own, run in the app's folder (where .zapierapprc lives).
    cd "$app_dir"
    exec zapier-platform "$@"
    ;;
esac
