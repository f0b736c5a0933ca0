#!/usr/bin/env bash
# Checks of the infrastructure (terraform/):
#   fmt        terraform fmt -check -recursive
#   validate   terraform init -backend=false + validate of the shared root environments/ and of
#              bootstrap/; environments/ is one root (main.tf, backend.tf with an empty backend "s3")
#              and, per environment, only data: <env>.tfvars and <env>.backend.hcl naming its state
#   test       terraform test (mock_provider) in every module and root that has tests; in
#              environments/, once per environment with its -var-file=<env>.tfvars:
#              tests/every_environment.tftest.hcl, and tests/<env>.tftest.hcl where there is one
#   checkov    checkov --skip-download over terraform/; every skip comment must carry its reason
#   emulator   apply one environment and bootstrap/ against moto on loopback, then a second plan of
#              each must be empty; then checkov's plan scan of those two plans (plan-scan), where
#              every module input is resolved: it must check every IAM policy and role planned
# Usage: terraform.sh [fmt|validate|test|checkov|emulator]...: those checks only; none: all of them.
# Runs on a fresh Debian machine: installs pinned moto and checkov into venvs under the cache dir.
# terraform itself and the offline AWS provider mirror come with the machine image (the script
# finds the mirror). The backup Lambda's own tests (handler against moto) are part of
# `cargo test --workspace` in scripts/test.sh. Exits non-zero if any check fails; prints one
# line per check at the end. The Python halves live in scripts/checks/terraform_checks/.
set -euo pipefail

stages=("$@")
for stage in "${stages[@]}"; do
  case $stage in
  fmt | validate | test | checkov | emulator) ;;
  *)
    echo "usage: $0 [fmt|validate|test|checkov|emulator]... (none: all)" >&2
    exit 2
    ;;
  esac
done
# want STAGE: whether this run does STAGE.
want() { [ "${#stages[@]}" -eq 0 ] || [[ " ${stages[*]} " == *" $1 "* ]]; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib/common.sh
source "$repo/scripts/lib/common.sh" # apt_install, free_port
# venv, pytf, find_mirror, write_cli_config, apply_twice, emulator_run, in_each_dir
# shellcheck source=scripts/checks/terraform_checks/lib.sh
source "$repo/scripts/checks/terraform_checks/lib.sh"
cache="${NOTEJAM_CACHE_DIR:-$HOME/.cache/notejam-cloud}"
emulator_env="${NOTEJAM_EMULATOR_ENV:-dev}"
bootstrap_env=staging
[ "$emulator_env" != staging ] || bootstrap_env=dev
mkdir -p "$cache"
work=$(mktemp -d "${TMPDIR:-/tmp}/notejam-terraform-checks.XXXXXX")
groups=() # process groups started here (moto, the background emulator run)
results=()
failed=0
started=$SECONDS

cleanup() {
  local rc=$? g
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
info() { printf '    %s\n' "$*"; }

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
info "$(TF_CLI_CONFIG_FILE=/dev/null terraform version | head -1)"

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  apt_install python3-venv python3-pip
fi

# Pinned tools, so a new release cannot fail (or pass) a commit that passed (or failed) before.
# Change a pin here, on purpose, in its own commit. moto is newer than scripts/test.sh's 5.2.1:
# 5.2.1 does not store an RDS instance's MonitoringInterval, so the emulator's second plan would
# always want to set Enhanced Monitoring again (5.2.5 does; verified with this apply).
moto_version=5.2.5
checkov_version=3.3.30

moto_venv="$cache/venv-moto-$moto_version"
checkov_venv="$cache/venv-checkov-$checkov_version"
venv "$moto_venv" "moto[server]==$moto_version"
venv "$checkov_venv" "checkov==$checkov_version"
moto_server_bin="$moto_venv/bin/moto_server"
info "$("$moto_venv/bin/python" -c 'import moto; print("moto", moto.__version__)')"
info "checkov $("$checkov_venv/bin/checkov" --version)"

mirror=$(find_mirror) || { echo "no terraform-provider-aws filesystem mirror found (set TF_PROVIDER_MIRROR)" >&2; exit 1; }
info "AWS provider mirror: $mirror (versions: $(find "$mirror/registry.terraform.io/hashicorp/aws" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null))"

write_cli_config "$work/cli.tfrc" "$cache/tf-plugin-cache"
# terraform's plugin cache is not safe for concurrent use, and the emulator runs beside the
# foreground checks: it gets a cache of its own (a shared one once failed a foreground init with
# "failed to verify checksum ... no such file or directory").
write_cli_config "$work/cli-emulator.tfrc" "$cache/tf-plugin-cache-emulator"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE

tf="$repo/terraform"
roots=(dev staging prod)

# ------------------------------------------------------------------------------------------
# emulator (started first, in the background: it is mostly provider waits)
# ------------------------------------------------------------------------------------------

if want emulator; then
  say "emulator: starting moto and the apply in the background"
  moto_port=$(free_port)
  set -m
  MOTO_IAM_LOAD_MANAGED_POLICIES=true "$moto_server_bin" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
  groups+=("$!")
  set +m
  for _ in $(seq 1 100); do
    if (: >"/dev/tcp/127.0.0.1/$moto_port") 2>/dev/null; then break; fi
    sleep 0.2
  done
  info "moto on 127.0.0.1:$moto_port"
  emulator_started=$SECONDS
  set -m
  (timeout 720 bash -c "$(declare -f emulator_run apply_twice pytf); $(declare -p repo work emulator_env bootstrap_env moto_venv); emulator_run $moto_port") >"$work/emulator.out" 2>&1 &
  emulator_pid=$!
  groups+=("$emulator_pid")
  set +m
fi

# ------------------------------------------------------------------------------------------
# in_each_dir NAME TERRAFORM_ARGS...: in every directory of the array `dirs`, `terraform init
# -backend=false`, one after the other (they share the plugin cache, which is not safe for
# concurrent use: a fresh clone, where every init installs the provider, failed on it), then
# `terraform TERRAFORM_ARGS... ${dir_args[i]}` for every entry at once (mostly provider start-up,
# which overlaps well even on two cores). A directory may be listed more than once, with other
# dir_args (environments/, once per environment): it is initialised once.
# Sets passed[i] to 1 or 0; the output of dirs[i] is in $work/NAME-$i.log.
# ------------------------------------------------------------------------------------------

# ------------------------------------------------------------------------------------------
# fmt
# ------------------------------------------------------------------------------------------
if want fmt; then
  say "fmt: terraform fmt -check -recursive terraform/"
  t=$SECONDS
  if out=$(terraform fmt -check -recursive -diff "$tf" 2>&1); then
    record fmt PASS $((SECONDS - t)) "all files formatted"
  else
    echo "$out"
    record fmt FAIL $((SECONDS - t)) "unformatted: $(echo "$out" | grep -c '^---' || true) file(s)"
  fi
fi

# ------------------------------------------------------------------------------------------
# validate
# ------------------------------------------------------------------------------------------
if want validate; then
  say "validate: init -backend=false + validate in environments/ (${roots[*]}) and bootstrap"
  t=$SECONDS
  envdir="$tf/environments"
  dirs=("$envdir" "$tf/bootstrap")
  dir_args=()
  in_each_dir validate validate -no-color
  ok=0
  for i in "${!dirs[@]}"; do
    if [ "${passed[$i]}" = 1 ]; then
      ok=$((ok + 1))
      info "${dirs[$i]#"$tf"/}: valid"
    else
      info "${dirs[$i]#"$tf"/}: INVALID"
      cat "$work/validate-$i.log"
    fi
  done
  # An environment is said once: one root (main.tf and backend.tf, with an empty backend "s3"),
  # and per environment only data, <env>.tfvars naming it and <env>.backend.hcl naming its state,
  # and, where it promises more than every environment does, its tests/<env>.tftest.hcl. No other
  # root, tfvars, backend or test file beside them.
  said_once=1
  files=("$envdir"/*.tf)
  files=("${files[@]##*/}")
  if [ "${files[*]}" != "backend.tf main.tf" ]; then
    echo "environments/ has ${files[*]}; the one root is main.tf and backend.tf"
    said_once=0
  fi
  if ! tr -d ' \n' <"$envdir/backend.tf" | grep -q 'backend"s3"{}'; then
    echo "environments/backend.tf must hold an empty backend \"s3\" {} (partial configuration: <env>.backend.hcl)"
    said_once=0
  fi
  extra_dirs=$(find "$envdir" -mindepth 1 -maxdepth 1 -type d -not -name tests -not -name .terraform -printf '%f ')
  if [ -n "$extra_dirs" ]; then
    echo "environments/ has directories $extra_dirs: environments are <env>.tfvars and <env>.backend.hcl in the one root"
    said_once=0
  fi
  found=$(find "$envdir" "$envdir/tests" -maxdepth 1 -type f \( -name '*.tfvars' -o -name '*.backend.hcl' -o -name '*.tftest.hcl' \) -not -name every_environment.tftest.hcl -printf '%f\n' | sed -E 's/\.(tfvars|backend\.hcl|tftest\.hcl)$//' | sort -u | xargs)
  if [ "$found" != "$(printf '%s\n' "${roots[@]}" | sort | xargs)" ]; then
    echo "environments/ has tfvars, backend or test files of: $found; expected: ${roots[*]}"
    said_once=0
  fi
  if [ ! -f "$envdir/tests/every_environment.tftest.hcl" ]; then
    echo "environments/tests/every_environment.tftest.hcl is missing (the invariants every environment is held to)"
    said_once=0
  fi
  for env in "${roots[@]}"; do
    for f in "$env.tfvars" "$env.backend.hcl"; do
      if [ ! -f "$envdir/$f" ]; then
        echo "environments/$f is missing"
        said_once=0
      fi
    done
    if [ -f "$envdir/$env.backend.hcl" ] && { ! grep -q "^bucket *= \"notejam-cloud-tfstate-$env\"" "$envdir/$env.backend.hcl" ||
      ! grep -q "^key *= \"notejam/$env/terraform.tfstate\"" "$envdir/$env.backend.hcl"; }; then
      echo "environments/$env.backend.hcl does not name $env's state (bucket notejam-cloud-tfstate-$env, key notejam/$env/terraform.tfstate)"
      said_once=0
    fi
    if [ -f "$envdir/$env.tfvars" ] && ! grep -qE "^  name += \"$env\"" "$envdir/$env.tfvars"; then
      echo "environments/$env.tfvars does not say name = \"$env\""
      said_once=0
    fi
  done
  if [ "$ok" -eq "${#dirs[@]}" ] && [ "$said_once" -eq 1 ]; then
    record validate PASS $((SECONDS - t)) "$ok/${#dirs[@]} roots valid; environments/ one root, ${#roots[@]} envs each a .tfvars + .backend.hcl"
  else
    record validate FAIL $((SECONDS - t)) "$ok/${#dirs[@]} roots valid, environments said once: $said_once"
  fi
fi

# ------------------------------------------------------------------------------------------
# terraform test
# ------------------------------------------------------------------------------------------
if want test; then
  say "test: terraform test with mock_provider"
  t=$SECONDS
  passed_runs=0
  failed_dirs=()
  mapfile -t found < <(find "$tf" -name '*.tftest.hcl' -not -path '*/.terraform/*' -printf '%h\n' | sed 's#/tests$##' | sort -u)
  # The shared root once per environment, with that environment's test file and values.
  dirs=()
  dir_args=()
  labels=()
  for d in "${found[@]}"; do
    if [ "$d" = "$tf/environments" ]; then
      for env in "${roots[@]}"; do
        dirs+=("$d")
        env_args="-filter=tests/every_environment.tftest.hcl -var-file=$env.tfvars"
        if [ -f "$d/tests/$env.tftest.hcl" ]; then env_args="$env_args -filter=tests/$env.tftest.hcl"; fi
        dir_args+=("$env_args")
        labels+=("environments ($env)")
      done
    else
      dirs+=("$d")
      dir_args+=("")
      labels+=("${d#"$tf"/}")
    fi
  done
  in_each_dir test test -no-color
  for i in "${!dirs[@]}"; do
    rel=${labels[$i]}
    if [ "${passed[$i]}" = 1 ]; then
      n=$(grep -oE 'Success! [0-9]+ passed' "$work/test-$i.log" | grep -oE '[0-9]+' || echo 0)
      passed_runs=$((passed_runs + n))
      info "$rel: $n run blocks passed"
    else
      info "$rel: FAILED"
      grep -vE '^  - ' "$work/test-$i.log" | grep -E 'run "|Error|error_message|condition|Failure' | head -40 || true
      failed_dirs+=("$rel")
    fi
  done
  if [ "${#failed_dirs[@]}" -eq 0 ]; then
    record test PASS $((SECONDS - t)) "$passed_runs run blocks passed in ${#found[@]} directories (${#dirs[@]} test runs)"
  else
    record test FAIL $((SECONDS - t)) "failed in: ${failed_dirs[*]}"
  fi
fi

# ------------------------------------------------------------------------------------------
# checkov
# ------------------------------------------------------------------------------------------
if want checkov; then
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
  ck_rc=0
  pytf "$checkov_venv/bin/python" checkov_cli -d "$tf" --framework terraform --skip-download --compact -o json \
    >"$work/checkov.json" 2>"$work/checkov.err" || ck_rc=$?
  summary=$(pytf python3 checkov_summary "$work/checkov.json")
  if [ -n "$bad_skips" ]; then
    record checkov FAIL $((SECONDS - t)) "$summary; $(echo "$bad_skips" | wc -l) of $skip_count skip comments without a reason"
  elif [ "$ck_rc" -eq 0 ]; then
    record checkov PASS $((SECONDS - t)) "$summary"
  else
    tail -5 "$work/checkov.err"
    record checkov FAIL $((SECONDS - t)) "$summary"
  fi
fi

# ------------------------------------------------------------------------------------------
# emulator result
# ------------------------------------------------------------------------------------------
if want emulator; then
  say "emulator: waiting for the apply and the second plan"
  emu_rc=0
  wait "$emulator_pid" || emu_rc=$?
  sed 's/^/    /' "$work/emulator.out"
  if [ "$emu_rc" -eq 0 ]; then
    record emulator PASS $((SECONDS - emulator_started)) "environments/ with $emulator_env.tfvars applied to moto; second plan: no changes"
  else
    [ "$emu_rc" -eq 124 ] && echo "    timed out after 720 s"
    record emulator FAIL $((SECONDS - emulator_started)) "exit $emu_rc (logs above)"
  fi

  # The plan scan: checkov on the JSON of the second plans, where module inputs are resolved and
  # every policy document is the real JSON, one resource per instance (the static scan sees one
  # aws_iam_role_policy.this in modules/iam-role, with a variable for its policy). The skip
  # comments apply here too (--repo-root-for-plan-enrichment maps each planned resource to its
  # code); terraform/checkov-plan-skips.txt excuses single instances, with reasons.
  # checkov_summary --plan fails if a policy, role or alarm of the plan went unchecked.
  say "plan-scan: checkov --framework terraform_plan on the second plans"
  t=$SECONDS
  plans=()
  for p in "$emulator_env" bootstrap; do
    [ -s "$work/plan-$p.json" ] && plans+=("$work/plan-$p.json")
  done
  if [ "${#plans[@]}" -ne 2 ]; then
    record plan-scan FAIL $((SECONDS - t)) "no plan JSON of $emulator_env and bootstrap (emulator failed)"
  else
    ck_rc=0
    pytf "$checkov_venv/bin/python" checkov_cli -f "${plans[@]}" --framework terraform_plan \
      --repo-root-for-plan-enrichment "$work/emulator/terraform" --skip-download --compact -o json \
      >"$work/checkov-plan.json" 2>"$work/checkov-plan.err" || ck_rc=$?
    sum_rc=0
    summary=$(pytf python3 checkov_summary "$work/checkov-plan.json" --skips "$tf/checkov-plan-skips.txt" \
      --plan "${plans[@]}") || sum_rc=$?
    # checkov exits 1 for any failed check, the listed ones too: the summary judges those; any
    # other status is checkov's own failure.
    if [ "$ck_rc" -le 1 ] && [ "$sum_rc" -eq 0 ]; then
      record plan-scan PASS $((SECONDS - t)) "$summary"
    else
      tail -5 "$work/checkov-plan.err"
      record plan-scan FAIL $((SECONDS - t)) "$summary"
    fi
  fi
fi

say "summary ($((SECONDS - started)) s)"
printf '%s\n' "${results[@]}"
total=${#results[@]}
echo "terraform: $((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
