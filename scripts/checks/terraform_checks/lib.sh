# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034 # the variables are those of terraform.sh, which sources this file (and reads passed[])
# The functions of scripts/checks/terraform.sh (sourced by it; they read its variables: repo,
# work, cache, mirror, dir, dirs, dir_args, ...): tool venvs, the provider mirror and CLI config,
# the emulator's apply, and running terraform in every directory.

# venv DIR PIP_SPEC...: one venv per tool and pin, so pins never collide, and a changed pin gets a
# new venv instead of altering one a concurrent run may be using. `.installed` is written last, so
# an interrupted install is redone.
venv() {
  local dir=$1
  shift
  if [ ! -f "$dir/.installed" ]; then
    info "installing $* into $dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
    printf '%s\n' "$*" >"$dir/.installed"
  fi
}

# pytf PYTHON MODULE ARGS...: one of the modules of scripts/checks/terraform_checks/.
pytf() {
  PYTHONPATH="$repo/scripts/checks" "$1" -m "terraform_checks.$2" "${@:3}"
}

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

# write_cli_config FILE PLUGIN_CACHE_DIR: a Terraform CLI config that installs the AWS provider
# from the mirror only.
write_cli_config() {
  mkdir -p "$2"
  cat >"$1" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
plugin_cache_dir = "$2"
CFG
}

# apply_twice NAME TERRAFORM_ARGS...: in the current directory, apply, then a second plan that must
# show no changes; that plan (everything known now, every module input resolved) is written as
# JSON to $work/plan-NAME.json for the plan scan of checkov. Logs in $dir/NAME-*.log.
apply_twice() {
  local name=$1 rc=0
  shift
  echo "terraform apply ($name)"
  if ! terraform apply -no-color -auto-approve "$@" >"$dir/$name-apply.log" 2>&1; then
    grep -A15 '^Error' "$dir/$name-apply.log" || tail -40 "$dir/$name-apply.log"
    return 1
  fi
  grep '^Apply complete' "$dir/$name-apply.log"
  echo "second terraform plan ($name) must show no changes"
  terraform plan -no-color -detailed-exitcode -out="$dir/$name.tfplan" "$@" >"$dir/$name-plan.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "second plan ($name) exited $rc (2 = changes):"
    grep -E '^  # |^Plan:|^Error' -A3 "$dir/$name-plan.log" | head -60
    return 1
  fi
  grep -E 'No changes' "$dir/$name-plan.log"
  terraform show -json "$dir/$name.tfplan" >"$work/plan-$name.json"
}

emulator_run() {
  local dir="$work/emulator" ep="http://127.0.0.1:$1" zip boot_pid boot_rc=0
  mkdir -p "$dir"
  export TF_CLI_CONFIG_FILE="$work/cli-emulator.tfrc"
  tar -C "$repo" -cf - --exclude=.terraform --exclude=.terraform.lock.hcl terraform | tar -C "$dir" -xf -
  local root="$dir/terraform/environments" boot="$dir/terraform/bootstrap"
  # A real package if backup/build-zip.sh made one; moto stores it but never runs it.
  zip="$repo/backup/dist/notejam-backup.zip"
  [ -f "$zip" ] || zip="$dir/terraform/modules/backup/tests/fixtures/placeholder.zip"
  echo "lambda package: $zip"
  # State in moto's S3 through the real s3 backend, every endpoint at moto, aws_emulator = true.
  # The override's backend block replaces the root's empty one, so init needs no -backend-config.
  pytf "$moto_venv/bin/python" emulator_override "$root/emulator_override.tf" "$ep" "$emulator_env" "$zip"
  pytf "$moto_venv/bin/python" state_bucket "$ep" "$emulator_env"
  # bootstrap/ too (local state, provider at moto), for another environment than the one above:
  # the state bucket of that one is already there (state_bucket), and this root would create it.
  pytf "$moto_venv/bin/python" emulator_override "$boot/emulator_override.tf" "$ep" bootstrap
  # One init after the other (they share the plugin cache), then the two applies at once.
  (cd "$root" && terraform init -no-color) >"$dir/init.log" 2>&1 || { cat "$dir/init.log"; return 1; }
  (cd "$boot" && terraform init -no-color) >"$dir/bootstrap-init.log" 2>&1 || { cat "$dir/bootstrap-init.log"; return 1; }
  (cd "$boot" && apply_twice bootstrap -var environment="$bootstrap_env" \
    -var circleci_org_id=01234567-89ab-cdef-0123-456789abcdef \
    -var circleci_project_id=fedcba98-7654-3210-fedc-ba9876543210) >"$dir/bootstrap.out" 2>&1 &
  boot_pid=$!
  echo "environments/ with $emulator_env.tfvars: aws_emulator = true; bootstrap: environment $bootstrap_env"
  (cd "$root" && apply_twice "$emulator_env" -var-file="$emulator_env.tfvars") || return 1
  wait "$boot_pid" || boot_rc=$?
  cat "$dir/bootstrap.out"
  [ "$boot_rc" -eq 0 ] || return 1
  pytf "$moto_venv/bin/python" read_back "$ep" "$emulator_env"
}

in_each_dir() {
  local name=$1 i d args extra inited=() pids=()
  local -A init_of=() # directory -> 1 or 0, once initialised
  shift
  passed=()
  # No command starts before the last init: a running validate beside an init that writes the
  # plugin cache once failed with "no package ... cached in .terraform/providers".
  for i in "${!dirs[@]}"; do
    d=${dirs[$i]}
    if [ -z "${init_of[$d]:-}" ]; then
      init_of[$d]=0
      if (cd "$d" && terraform init -backend=false -no-color >"$work/$name-$i.log" 2>&1); then
        init_of[$d]=1
      fi
    elif [ "${init_of[$d]}" = 0 ]; then
      echo "terraform init failed in $d (see the first entry of that directory)" >"$work/$name-$i.log"
    fi
    inited[i]=${init_of[$d]}
  done
  for i in "${!dirs[@]}"; do
    passed[i]=0
    pids[i]=
    [ "${inited[$i]}" = 1 ] || continue
    args=("$@")
    extra=()
    if [ -n "${dir_args[$i]:-}" ]; then read -ra extra <<<"${dir_args[$i]}"; fi
    args+=("${extra[@]}")
    (cd "${dirs[$i]}" && terraform "${args[@]}" >"$work/$name-$i.log" 2>&1) &
    pids[i]=$!
  done
  for i in "${!dirs[@]}"; do
    if [ -n "${pids[$i]}" ] && wait "${pids[$i]}"; then passed[i]=1; fi
  done
}
