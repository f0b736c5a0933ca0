#!/usr/bin/env bash
# Checks of the infrastructure (terraform/):
#   fmt        terraform fmt -check -recursive
#   validate   terraform init -backend=false + validate, every environment root
#   test       terraform test (mock_provider) in every module and root that has tests
#   checkov    checkov --skip-download over terraform/; every skip comment must carry its reason
#   emulator   apply one environment against moto on loopback, then a second plan must be empty
# Runs on a fresh Debian machine: installs pinned moto and checkov into venvs under the cache dir.
# terraform itself and the offline AWS provider mirror come with the machine image (the script
# finds the mirror). The backup Lambda's own tests (handler against moto) are part of
# `cargo test --workspace` in scripts/test.sh. Exits non-zero if any check fails; prints one
# line per check at the end.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache="${NOTEJAM_CACHE_DIR:-$HOME/.cache/notejam-cloud}"
emulator_env="${NOTEJAM_EMULATOR_ENV:-dev}"
mkdir -p "$cache"
work=$(mktemp -d "${TMPDIR:-/tmp}/notejam-terraform-checks.XXXXXX")
groups=()   # process groups started here (moto, the background emulator run)
results=()
failed=0
started=$SECONDS

cleanup() {
  local rc=$?
  for g in "${groups[@]}"; do
    kill -- "-$g" 2>/dev/null || true
  done
  for g in "${groups[@]}"; do
    wait "$g" 2>/dev/null || true
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n=== %s\n' "$*"; }
log() { printf '    %s\n' "$*"; }

# record NAME STATUS SECONDS DETAIL
record() {
  results+=("$(printf '%-9s %-4s %4ss  %s' "$1" "$2" "$3" "$4")")
  if [ "$2" != PASS ]; then failed=$((failed + 1)); fi
}

# ------------------------------------------------------------------------------------------
# Tools
# ------------------------------------------------------------------------------------------
say "tools"
command -v terraform >/dev/null || { echo "terraform (>= 1.10) is not installed; it comes with the machine image" >&2; exit 1; }
log "$(TF_CLI_CONFIG_FILE=/dev/null terraform version | head -1)"

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  log "installing python3-venv (apt)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
fi

# Pinned tools, so a new release cannot fail (or pass) a commit that passed (or failed) before.
# Change a pin here, on purpose, in its own commit. moto is newer than scripts/test.sh's 5.2.1:
# 5.2.1 does not store an RDS instance's MonitoringInterval, so the emulator's second plan would
# always want to set Enhanced Monitoring again (5.2.5 does; verified with this apply).
moto_version=5.2.5
checkov_version=3.3.30

# venv DIR PIP_SPEC...: one venv per tool and pin, so pins never collide, and a changed pin gets a
# new venv instead of altering one a concurrent run may be using. `.installed` is written last, so
# an interrupted install is redone.
venv() {
  local dir=$1
  shift
  if [ ! -f "$dir/.installed" ]; then
    log "installing $* into $dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
    printf '%s\n' "$*" >"$dir/.installed"
  fi
}
moto_venv="$cache/venv-moto-$moto_version"
checkov_venv="$cache/venv-checkov-$checkov_version"
venv "$moto_venv" "moto[server]==$moto_version"
venv "$checkov_venv" "checkov==$checkov_version"
moto_server_bin="$moto_venv/bin/moto_server"
log "$("$moto_venv/bin/python" -c 'import moto; print("moto", moto.__version__)')"
log "checkov $("$checkov_venv/bin/checkov" --version)"

# The AWS provider comes from a filesystem mirror (no registry access): find it.
find_mirror() {
  local c hit
  for c in "${TF_PROVIDER_MIRROR:-}" /opt/tf-plugins /usr/share/terraform/plugins /usr/local/share/terraform/plugins "$HOME/.terraform.d/plugins"; do
    if [ -n "$c" ] && [ -d "$c/registry.terraform.io/hashicorp/aws" ]; then
      echo "$c"
      return 0
    fi
  done
  hit=$(find / -xdev \( -path /proc -o -path /sys \) -prune -o -path '*/registry.terraform.io/hashicorp/aws/*' -name 'terraform-provider-aws*' -print -quit 2>/dev/null || true)
  [ -n "$hit" ] || return 1
  echo "${hit%%/registry.terraform.io/*}"
}
mirror=$(find_mirror) || { echo "no terraform-provider-aws filesystem mirror found (set TF_PROVIDER_MIRROR)" >&2; exit 1; }
log "AWS provider mirror: $mirror (versions: $(find "$mirror/registry.terraform.io/hashicorp/aws" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null))"

mkdir -p "$cache/tf-plugin-cache"
cat >"$work/cli.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
plugin_cache_dir = "$cache/tf-plugin-cache"
CFG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE

tf="$repo/terraform"
roots=(dev staging prod)

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ------------------------------------------------------------------------------------------
# emulator (started first, in the background: it is mostly provider waits)
# ------------------------------------------------------------------------------------------
emulator_run() {
  local dir="$work/emulator" ep="http://127.0.0.1:$1" zip
  mkdir -p "$dir"
  # terraform's plugin cache is not safe for concurrent use, and this runs beside the foreground
  # checks: it gets a cache of its own (a shared one once failed a foreground init with
  # "failed to verify checksum ... no such file or directory").
  mkdir -p "$cache/tf-plugin-cache-emulator"
  sed "s#^plugin_cache_dir = .*#plugin_cache_dir = \"$cache/tf-plugin-cache-emulator\"#" \
    "$TF_CLI_CONFIG_FILE" >"$work/cli-emulator.tfrc"
  export TF_CLI_CONFIG_FILE="$work/cli-emulator.tfrc"
  tar -C "$repo" -cf - --exclude=.terraform --exclude=.terraform.lock.hcl terraform | tar -C "$dir" -xf -
  local root="$dir/terraform/environments/$emulator_env"
  # A real package if backup/build-zip.sh made one; moto stores it but never runs it.
  zip="$repo/backup/dist/notejam-backup.zip"
  [ -f "$zip" ] || zip="$dir/terraform/modules/backup/tests/fixtures/placeholder.zip"
  echo "lambda package: $zip"

  # The state goes to moto's S3 through the real s3 backend (with its lock file); the
  # provider's endpoints all point at moto. Nothing of this is written into the repository.
  cat >"$root/emulator_override.tf" <<OVR
terraform {
  backend "s3" {
    bucket                      = "notejam-cloud-tfstate-$emulator_env"
    key                         = "notejam/$emulator_env/terraform.tfstate"
    region                      = "eu-west-1"
    encrypt                     = true
    use_lockfile                = true
    endpoints                   = { s3 = "$ep" }
    use_path_style              = true
    access_key                  = "emulator"
    secret_key                  = "emulator"
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }
}

provider "aws" {
  region                      = var.region
  access_key                  = "emulator"
  secret_key                  = "emulator"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {
    cloudwatch     = "$ep"
    cloudwatchlogs = "$ep"
    ec2            = "$ep"
    ecr            = "$ep"
    eks            = "$ep"
    events         = "$ep"
    iam            = "$ep"
    kms            = "$ep"
    lambda         = "$ep"
    rds            = "$ep"
    sns            = "$ep"
    s3             = "$ep"
    secretsmanager = "$ep"
    sqs            = "$ep"
    sts            = "$ep"
  }

  default_tags {
    tags = {
      Project     = "notejam-cloud"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
OVR
  "$moto_venv/bin/python" - "$ep" "notejam-cloud-tfstate-$emulator_env" <<'PY'
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="eu-west-1",
                  aws_access_key_id="emulator", aws_secret_access_key="emulator")
s3.create_bucket(Bucket=sys.argv[2], CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
PY
  local vars=(-var-file=variables.tfvars -var aws_emulator=true -var "backup_lambda_zip_path=$zip")
  cd "$root"
  terraform init -no-color >"$dir/init.log" 2>&1 || { cat "$dir/init.log"; return 1; }
  echo "terraform apply (environments/$emulator_env, aws_emulator=true)"
  if ! terraform apply -no-color -auto-approve "${vars[@]}" >"$dir/apply.log" 2>&1; then
    grep -A15 '^Error' "$dir/apply.log" || tail -40 "$dir/apply.log"
    return 1
  fi
  grep '^Apply complete' "$dir/apply.log"
  echo "second terraform plan must show no changes"
  local rc=0
  terraform plan -no-color -detailed-exitcode "${vars[@]}" >"$dir/plan.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "second plan exited $rc (2 = changes):"
    grep -E '^  # |^Plan:|^Error' -A3 "$dir/plan.log" | head -60
    return 1
  fi
  grep -E 'No changes' "$dir/plan.log"
  # What was applied, read back from the emulator.
  "$moto_venv/bin/python" - "$ep" "$emulator_env" <<'PY'
import sys, boto3
ep, env = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=ep, region_name="eu-west-1", aws_access_key_id="emulator", aws_secret_access_key="emulator")
bucket = f"notejam-db-backup-{env}"
rules = boto3.client("s3", **kw).get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
assert any(r.get("Expiration", {}).get("Days") == 1095 for r in rules), rules
pab = boto3.client("s3", **kw).get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
assert all(pab.values()), pab
rule = boto3.client("events", **kw).describe_rule(Name=f"notejam-{env}-db-backup-daily")
assert rule["ScheduleExpression"].startswith("cron("), rule
fn = boto3.client("lambda", **kw).get_function(FunctionName=f"notejam-{env}-db-backup")["Configuration"]
assert fn["Runtime"] == "provided.al2023" and fn["Environment"]["Variables"]["NOTEJAM_BACKUP_RETENTION_DAYS"] == "1095", fn
db = boto3.client("rds", **kw).describe_db_instances(DBInstanceIdentifier=f"notejam-{env}")["DBInstances"][0]
assert db["StorageEncrypted"] and not db["PubliclyAccessible"], db
print(f"read back from moto: {bucket} expires after 1095 days, public access blocked; "
      f"schedule {rule['ScheduleExpression']}; Lambda {fn['FunctionName']} on {fn['Runtime']}; "
      f"RDS {db['DBInstanceIdentifier']} encrypted, private")
PY
}

say "emulator: starting moto and the apply in the background"
moto_port=$(free_port)
set -m
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$moto_server_bin" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
groups+=("$!")
set +m
for _ in $(seq 1 100); do
  if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $moto_port), 0.2)" 2>/dev/null; then break; fi
  sleep 0.2
done
log "moto on 127.0.0.1:$moto_port"
emulator_started=$SECONDS
set -m
( timeout 720 bash -c "$(declare -f emulator_run); $(declare -p repo cache work emulator_env moto_venv); emulator_run $moto_port" ) >"$work/emulator.out" 2>&1 &
emulator_pid=$!
groups+=("$emulator_pid")
set +m

# ------------------------------------------------------------------------------------------
# fmt
# ------------------------------------------------------------------------------------------
say "fmt: terraform fmt -check -recursive terraform/"
t=$SECONDS
if out=$(terraform fmt -check -recursive -diff "$tf" 2>&1); then
  record fmt PASS $((SECONDS - t)) "all files formatted"
else
  echo "$out"
  record fmt FAIL $((SECONDS - t)) "unformatted: $(echo "$out" | grep -c '^---' || true) file(s)"
fi

# ------------------------------------------------------------------------------------------
# validate
# ------------------------------------------------------------------------------------------
say "validate: init -backend=false + validate in environments/{${roots[*]}} and bootstrap"
t=$SECONDS
ok=0
validate_dirs=()
for env in "${roots[@]}"; do validate_dirs+=("environments/$env"); done
validate_dirs+=(bootstrap)
# Every init first, one after the other, then the validations at once: an init may write the
# shared plugin cache, and terraform's plugin cache is not safe for concurrent use (a fresh clone,
# where every init installs the provider, failed on it).
validate_pids=()
initialised=()
for i in "${!validate_dirs[@]}"; do
  d=${validate_dirs[$i]}
  if (cd "$tf/$d" && terraform init -backend=false -no-color >"$work/init-v$i.log" 2>&1); then
    initialised[i]=1
  else
    cat "$work/init-v$i.log"
    initialised[i]=
  fi
done
for i in "${!validate_dirs[@]}"; do
  d=${validate_dirs[$i]}
  validate_pids[i]=
  if [ -n "${initialised[$i]}" ]; then
    (cd "$tf/$d" && terraform validate -no-color >"$work/validate-$i.log" 2>&1) &
    validate_pids[i]=$!
  fi
done
for i in "${!validate_dirs[@]}"; do
  if [ -n "${validate_pids[$i]}" ] && wait "${validate_pids[$i]}"; then
    ok=$((ok + 1))
    log "${validate_dirs[$i]}: valid"
  else
    log "${validate_dirs[$i]}: INVALID"
    cat "$work/validate-$i.log" 2>/dev/null || true
  fi
done
# The roots share everything but their backend key and their values.
same=1
for f in main.tf variables.tf outputs.tf providers.tf; do
  for env in dev staging; do
    if ! cmp -s "$tf/environments/prod/$f" "$tf/environments/$env/$f"; then
      echo "environments/$env/$f differs from environments/prod/$f"
      same=0
    fi
  done
done
if [ "$ok" -eq "${#validate_dirs[@]}" ] && [ "$same" -eq 1 ]; then
  record validate PASS $((SECONDS - t)) "$ok/${#validate_dirs[@]} roots valid, env roots' shared files identical"
else
  record validate FAIL $((SECONDS - t)) "$ok/${#validate_dirs[@]} roots valid, shared files identical: $same"
fi

# ------------------------------------------------------------------------------------------
# terraform test
# ------------------------------------------------------------------------------------------
say "test: terraform test with mock_provider"
t=$SECONDS
passed_runs=0
failed_dirs=()
mapfile -t test_dirs < <(find "$tf" -name '*.tftest.hcl' -not -path '*/.terraform/*' -printf '%h\n' | sed 's#/tests$##' | sort -u)
# Every init first, one after the other (they share the plugin cache, which is not safe for
# concurrent use), then every test at once: most of a test's time is provider start-up, which
# overlaps well even on two cores.
test_pids=()
initialised=()
for i in "${!test_dirs[@]}"; do
  dir=${test_dirs[$i]}
  if (cd "$dir" && terraform init -backend=false -no-color >"$work/test-init-$i.log" 2>&1); then
    initialised[i]=1
  else
    cat "$work/test-init-$i.log"
    initialised[i]=
  fi
done
for i in "${!test_dirs[@]}"; do
  dir=${test_dirs[$i]}
  args=()
  [ -f "$dir/variables.tfvars" ] && args=(-var-file=variables.tfvars)
  test_pids[i]=
  if [ -n "${initialised[$i]}" ]; then
    (cd "$dir" && terraform test -no-color "${args[@]}" >"$work/test-$i.log" 2>&1) &
    test_pids[i]=$!
  fi
done
for i in "${!test_dirs[@]}"; do
  rel=${test_dirs[$i]#"$tf"/}
  if [ -n "${test_pids[$i]}" ] && wait "${test_pids[$i]}"; then
    n=$(grep -oE 'Success! [0-9]+ passed' "$work/test-$i.log" | grep -oE '[0-9]+' || echo 0)
    passed_runs=$((passed_runs + n))
    log "$rel: $n run blocks passed"
  else
    log "$rel: FAILED"
    grep -vE '^  - ' "$work/test-$i.log" 2>/dev/null | grep -E 'run "|Error|error_message|condition|Failure' | head -40 || true
    failed_dirs+=("$rel")
  fi
done
if [ "${#failed_dirs[@]}" -eq 0 ]; then
  record test PASS $((SECONDS - t)) "$passed_runs run blocks passed in ${#test_dirs[@]} directories"
else
  record test FAIL $((SECONDS - t)) "failed in: ${failed_dirs[*]}"
fi

# ------------------------------------------------------------------------------------------
# checkov
# ------------------------------------------------------------------------------------------
say "checkov: --skip-download over terraform/"
t=$SECONDS
# Every skip must say why, after the check id: `#checkov:skip=CKV_AWS_18:<reason>`. checkov itself
# accepts a skip without one, so a bare id would pass unnoticed.
bad_skips=$(grep -rnE --include='*.tf' --exclude-dir=.terraform 'checkov:skip=' "$tf" |
  grep -vE 'checkov:skip=[A-Z][A-Z0-9_]*:[[:space:]]*[^[:space:]].{9,}' || true)
if [ -n "$bad_skips" ]; then
  echo "checkov skips without a reason (write #checkov:skip=ID:reason, at least 10 characters):"
  echo "${bad_skips//"$tf"\//terraform/}"
fi
skip_count=$(grep -rE --include='*.tf' --exclude-dir=.terraform 'checkov:skip=' "$tf" | wc -l)
if "$checkov_venv/bin/checkov" -d "$tf" --framework terraform --skip-download --quiet --compact -o json >"$work/checkov.json" 2>"$work/checkov.err"; then
  ck_rc=0
else
  ck_rc=$?
fi
summary=$(python3 - "$work/checkov.json" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"unreadable checkov output: {e}"); sys.exit(0)
data = data if isinstance(data, list) else [data]
p = f = s = 0
for r in data:
    p += r["summary"]["passed"]; f += r["summary"]["failed"]; s += r["summary"]["skipped"]
    for c in r["results"]["failed_checks"]:
        print(f"FAILED {c['check_id']} {c['resource']} {c['file_path']}:{c['file_line_range'][0]}", file=sys.stderr)
print(f"{p} passed, {f} failed, {s} skipped with inline reasons")
PY
)
if [ -n "$bad_skips" ]; then
  record checkov FAIL $((SECONDS - t)) "$summary; $(echo "$bad_skips" | wc -l) of $skip_count skip comments without a reason"
elif [ "$ck_rc" -eq 0 ]; then
  record checkov PASS $((SECONDS - t)) "$summary"
else
  tail -5 "$work/checkov.err"
  record checkov FAIL $((SECONDS - t)) "$summary"
fi

# ------------------------------------------------------------------------------------------
# emulator result
# ------------------------------------------------------------------------------------------
say "emulator: waiting for the apply and the second plan"
if wait "$emulator_pid"; then emu_rc=0; else emu_rc=$?; fi
sed 's/^/    /' "$work/emulator.out"
if [ "$emu_rc" -eq 0 ]; then
  record emulator PASS $((SECONDS - emulator_started)) "environments/$emulator_env applied to moto; second plan: no changes"
else
  [ "$emu_rc" -eq 124 ] && echo "    timed out after 720 s"
  record emulator FAIL $((SECONDS - emulator_started)) "exit $emu_rc (logs above)"
fi

say "summary ($((SECONDS - started)) s)"
printf '%s\n' "${results[@]}"
total=${#results[@]}
echo "terraform: $((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
