#!/usr/bin/env bash
# Deploy one environment in the order the app needs:
#   1. the CRD, then every object that is neither the app's workload nor its migration;
#   2. the migration Job, run to completion (a failed migration stops the deploy here);
#   3. the app's Deployment, Service and Ingress, then wait for both rollouts.
# Nothing is pruned: objects removed from the manifests are deleted by hand (operations.md).
# Usage: k8s/deploy.sh ENV APP_IMAGE AUTOSCALER_IMAGE
#   ENV is dev, staging or prod; images are full references, ideally by digest
#   (e.g. <registry>/notejam@sha256:...). kubectl must already point at ENV's cluster.
# The Secrets notejam-database (keys url and secret-arn) and notejam-app (key secret-key) must exist:
# CI syncs them from AWS Secrets Manager first (docs/operations.md).
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 ENV APP_IMAGE AUTOSCALER_IMAGE" >&2
  exit 2
fi
env=$1 app_image=$2 autoscaler_image=$3
here=$(cd "$(dirname "$0")" && pwd)
overlay="$here/overlays/$env"
[[ -d $overlay ]] || { echo "no overlay for '$env'" >&2; exit 2; }
ns=notejam
timeout=${DEPLOY_TIMEOUT:-10m}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rendered="$work/rendered.yaml"

# Pin the images. The committed manifests carry the placeholder tag `set-by-ci` on purpose.
kubectl kustomize "$overlay" \
  | sed -e "s#image: notejam:set-by-ci\$#image: ${app_image}#" \
        -e "s#image: notejam-autoscaler:set-by-ci\$#image: ${autoscaler_image}#" >"$rendered"
if grep -q 'set-by-ci' "$rendered"; then
  echo "an image was left unpinned:" >&2
  grep -n 'set-by-ci' "$rendered" >&2
  exit 1
fi

apply() { kubectl apply --server-side --force-conflicts --field-manager=notejam-deploy "$@"; }

echo "--- [$env] CRD"
apply -f "$here/base/autoscaler/crd.yaml"
kubectl wait --for=condition=established --timeout=60s crd/scalingpolicies.autoscaling.notejam.io

echo "--- [$env] namespace, configuration, policies, monitoring, autoscaler"
apply -f "$rendered" --selector 'app.kubernetes.io/component notin (web,migrate)'

echo "--- [$env] secrets present"
if ! kubectl -n "$ns" get secret notejam-database notejam-app >/dev/null; then
  echo "secrets notejam-database/notejam-app missing in namespace $ns (docs/operations.md)" >&2
  exit 1
fi

echo "--- [$env] database migration"
kubectl -n "$ns" delete job notejam-migrate --ignore-not-found --wait=true
apply -f "$rendered" --selector 'app.kubernetes.io/component=migrate'
# Wait for whichever comes first: success or failure (waiting on `complete` alone would sit
# out the whole timeout on a failed migration).
kubectl -n "$ns" wait --for=condition=complete --timeout="$timeout" job/notejam-migrate &
ok=$!
kubectl -n "$ns" wait --for=condition=failed --timeout="$timeout" job/notejam-migrate &
failed=$!
while kill -0 "$ok" 2>/dev/null && kill -0 "$failed" 2>/dev/null; do sleep 2; done
if ! kill -0 "$ok" 2>/dev/null && wait "$ok"; then
  kill "$failed" 2>/dev/null || true
  echo "migration complete"
else
  kill "$ok" "$failed" 2>/dev/null || true
  echo "migration failed or timed out; its log:" >&2
  kubectl -n "$ns" logs job/notejam-migrate --tail=200 >&2 || true
  exit 1
fi

echo "--- [$env] app rollout"
apply -f "$rendered" --selector 'app.kubernetes.io/component=web'
kubectl -n "$ns" rollout status deployment/notejam --timeout="$timeout"
kubectl -n "$ns" rollout status deployment/notejam-autoscaler --timeout="$timeout"
echo "deployed $app_image to $env"
