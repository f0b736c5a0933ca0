"""`python -m stack up | load | status | scale N | down`: see scripts/platform.sh."""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
from pathlib import Path

from . import procs, services
from .replicas import Deployment
from .state import DEFAULT_DIR, State


def up(args: argparse.Namespace) -> None:
    directory: Path = args.dir
    if (directory / "state.json").exists():
        raise SystemExit(
            f"a platform is already up in {directory} (scripts/platform.sh down first)"
        )
    shutil.rmtree(directory, ignore_errors=True)
    (directory / "logs").mkdir(parents=True)
    state = State(
        dir=str(directory),
        image_tag=args.tag,
        cpus_per_replica=args.cpus,
        secret_key=secrets.token_urlsafe(48),
    )
    state.save()
    try:
        services.start_postgres(state)
        state.save()
        db_env = {"DATABASE_URL": state.database_url, "NOTEJAM_SECRET_KEY": state.secret_key}
        procs.run(procs.podman_run(f"localhost/notejam:{state.image_tag}", ["migrate"], env=db_env))
        services.start_moto(state, args.venv)
        services.start_collector(state, args.venv)
        services.start_pushgateway(state)
        services.start_alertmanager(state)
        services.start_prometheus(state)
        services.start_nginx(state)
        state.pids["rds-cpu"] = procs.start(
            "rds-cpu",
            [sys.executable, "-m", "stack.rds_cpu", "--state", str(directory)],
            directory / "logs",
            env=services.aws_env(state),
        )
        state.save()
        deployment = Deployment(state)
        deployment.scale(args.replicas)
        deployment.wait_settled(180)
        state.save()
    except BaseException:
        print(
            f"up failed; logs are in {directory / 'logs'}; stopping what started", file=sys.stderr
        )
        down_state(state, keep_logs=True)
        raise
    status_of(state)


def status_of(state: State) -> None:
    print(f"platform in {state.dir}")
    print(f"  site (load balancer)  {state.url('lb')}")
    for name in ("prometheus", "alertmanager", "pushgateway", "collector", "moto"):
        if name in state.ports:
            up_or_down = "up" if procs.alive(state.pids.get(name, 0) or 1 << 30) else "DOWN"
            print(f"  {name:<21} {state.url(name)} ({up_or_down})")
    print(f"  postgres              {state.database_url}")
    for r in state.replicas:
        print(f"  {r.name:<21} http://127.0.0.1:{r.port} (admin {r.admin_port})")


def down_state(state: State, keep_logs: bool) -> None:
    names = procs.run(
        ["podman", "ps", "--all", "--format", "{{.Names}}"], check=False
    ).stdout.split()
    apps = [n for n in names if n.startswith("notejam-app-") or n.startswith("notejam-loop-")]
    if apps:
        procs.run(["podman", "rm", "--force", "--time", "5", *apps], check=False)
    for pid in state.pids.values():
        procs.stop(pid)
    services.stop_postgres(state)
    for sub in ("postgres", "prometheus", "alertmanager", "nginx-tmp"):
        shutil.rmtree(state.path / sub, ignore_errors=True)
    if not keep_logs:
        shutil.rmtree(state.path, ignore_errors=True)
    else:
        (state.path / "state.json").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/platform.sh", description=__doc__)
    parser.add_argument(
        "--dir", type=Path, default=DEFAULT_DIR, help="where the platform keeps its state"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("up", help="start PostgreSQL, the app containers and everything around them")
    p.add_argument(
        "--replicas", type=int, default=3, help="app containers to start with (prod's minReplicas)"
    )
    p.add_argument(
        "--cpus",
        type=float,
        default=0.2,
        help="CPU limit of each app container (prod: 1 CPU; scaled down so a spike that needs "
        "several replicas fits on this machine beside its load generator)",
    )
    p.add_argument("--tag", default="ci", help="image tag (scripts/images.sh --tag)")
    p.add_argument("--venv", type=Path, required=True, help="venv with moto and oteltap")
    sub.add_parser("status", help="what runs where")
    p = sub.add_parser("scale", help="set the replica count by hand (what `kubectl scale` does)")
    p.add_argument("replicas", type=int)
    p = sub.add_parser("down", help="stop everything and remove its data")
    p.add_argument("--keep-logs", action="store_true")
    p = sub.add_parser(
        "load", help="baseline, then a stepped spike while the autoscaler drives the replicas"
    )
    from . import scenario

    scenario.add_arguments(p)
    args = parser.parse_args()
    if args.command == "up":
        up(args)
    elif args.command == "status":
        status_of(State.load(args.dir))
    elif args.command == "scale":
        state = State.load(args.dir)
        deployment = Deployment(state)
        deployment.scale(args.replicas)
        deployment.wait_settled(180)
        status_of(state)
    elif args.command == "down":
        if (args.dir / "state.json").exists():
            down_state(State.load(args.dir), keep_logs=args.keep_logs)
    elif args.command == "load":
        sys.exit(scenario.run(State.load(args.dir), args))


if __name__ == "__main__":
    main()
