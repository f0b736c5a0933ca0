"""The services around the app containers: each one's configuration, start and readiness.

All listen on loopback only (free ports), run from Debian's packages or the test venv, and keep
their data under the platform's folder.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import yaml

from . import procs
from .state import State

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "dashboards/rules/notejam-rules.yaml"
# Labels the Prometheus Operator's PodMonitor gives each pod's series in the cluster; the prod
# ScalingPolicy's queries and our rules select on them.
NAMESPACE = "notejam"
SCRAPE_SECONDS = 15  # k8s/base/app/pod-monitor.yaml


def _pg_bin() -> Path:
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / "initdb").exists():
            return d
    raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")


def start_postgres(state: State) -> None:
    """A throwaway cluster standing in for RDS: the app's database, on a free port."""
    data = state.path / "postgres"
    data.mkdir()
    port = procs.free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: the cluster runs as the postgres user.
        procs.run(
            [
                "sh",
                "-c",
                "id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres",
            ]
        )
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    bin_dir = _pg_bin()
    procs.run(
        [
            *as_user,
            str(bin_dir / "initdb"),
            "-D",
            str(data / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ]
    )
    # max_connections as prod's RDS parameter group allows (the ScalingPolicy's database budget).
    opts = (
        f"-h 127.0.0.1 -p {port} -k {data} -c max_connections=400"
        " -c fsync=off -c synchronous_commit=off"
    )
    procs.run(
        [
            *as_user,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data / "data"),
            "-l",
            str(data / "log"),
            "-w",
            "-t",
            "30",
            "-o",
            opts,
            "start",
        ]
    )
    state.ports["postgres"] = port
    state.pg_bin = str(bin_dir)
    state.pg_user = "postgres" if as_user else ""
    procs.run(
        [
            str(bin_dir / "psql"),
            f"postgres://postgres@127.0.0.1:{port}/postgres",
            "-qc",
            "CREATE DATABASE notejam",
        ]
    )
    state.database_url = f"postgres://postgres@127.0.0.1:{port}/notejam"


def stop_postgres(state: State) -> None:
    if "postgres" not in state.ports:
        return
    as_user = ["runuser", "-u", state.pg_user, "--"] if state.pg_user else []
    procs.run(
        [
            *as_user,
            f"{state.pg_bin}/pg_ctl",
            "-D",
            str(state.path / "postgres/data"),
            "-m",
            "fast",
            "stop",
        ],
        check=False,
    )


def postgres_pids(state: State) -> list[int]:
    """The postmaster and its children: what RDS's CPUUtilization would measure."""
    pid_file = state.path / "postgres/data/postmaster.pid"
    if not pid_file.exists():
        return []
    master = int(pid_file.read_text().split()[0])
    children = procs.run(["pgrep", "-P", str(master)], check=False).stdout.split()
    return [master, *map(int, children)]


def serve_http(
    state: State, name: str, argv: list[str], port: int, ready_path: str, seconds: float, what: str
) -> None:
    """Starts daemon `name` (its log: logs/NAME.log) listening on loopback `port`, and waits
    until `ready_path` answers 2xx."""
    state.pids[name] = procs.start(name, argv, state.path / "logs")
    state.ports[name] = port
    url = f"http://127.0.0.1:{port}{ready_path}"
    procs.wait_http(url, seconds, what, state.path / f"logs/{name}.log")


def serve_prometheus_daemon(
    state: State, name: str, argv: list[str], port: int, seconds: float, what: str
) -> None:
    """A daemon of the Prometheus project (Prometheus, Alertmanager, the Pushgateway): it listens
    where `--web.listen-address` says and answers `/-/ready` once ready."""
    argv = [*argv, f"--web.listen-address=127.0.0.1:{port}"]
    serve_http(state, name, argv, port, "/-/ready", seconds, what)


def start_moto(state: State, venv: Path) -> None:
    """The AWS emulator, as the CloudWatch the autoscaler reads RDS metrics from."""
    port = procs.free_port()
    argv = [str(venv / "bin/moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    serve_http(state, "moto", argv, port, "/moto-api/", 30, "moto")


def start_collector(state: State, venv: Path) -> None:
    """A real OTLP/HTTP receiver; every span the containers export lands in collector.log."""
    port = procs.free_port()
    state.pids["collector"] = procs.start(
        "collector", [str(venv / "bin/oteltap"), "--port", str(port)], state.path / "logs"
    )
    state.ports["collector"] = port
    procs.wait_port(port, 30, "the OTLP collector", state.path / "logs/collector.log")


def start_pushgateway(state: State) -> None:
    """Carries the Deployment's replica counts that kube-state-metrics would export."""
    port = procs.free_port()
    serve_prometheus_daemon(
        state, "pushgateway", ["prometheus-pushgateway"], port, 30, "the Pushgateway"
    )


def start_alertmanager(state: State) -> None:
    port = procs.free_port()
    conf = state.path / "alertmanager.yml"
    conf.write_text(
        yaml.safe_dump(
            {
                # One receiver with nowhere to send: the loop reads alerts from Alertmanager's API.
                "route": {
                    "receiver": "platform-loop",
                    "group_wait": "5s",
                    "group_interval": "10s",
                    "repeat_interval": "1h",
                },
                "receivers": [{"name": "platform-loop"}],
            }
        )
    )
    argv = ["prometheus-alertmanager", f"--config.file={conf}", "--cluster.listen-address="]
    argv.append(f"--storage.path={state.path / 'alertmanager'}")
    serve_prometheus_daemon(state, "alertmanager", argv, port, 30, "Alertmanager")


def write_rules(directory: Path) -> Path:
    """Our PrometheusRule's groups as a plain rule file, as the Prometheus Operator loads them."""
    rule = yaml.safe_load(RULES.read_text())
    out = directory / "notejam-rules.yaml"
    out.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}, sort_keys=False))
    return out


def prometheus_config(state: State) -> dict:
    return {
        "global": {
            "scrape_interval": f"{SCRAPE_SECONDS}s",
            "evaluation_interval": f"{SCRAPE_SECONDS}s",
        },
        "rule_files": [str(write_rules(state.path))],
        "alerting": {
            "alertmanagers": [
                {"static_configs": [{"targets": [f"127.0.0.1:{state.ports['alertmanager']}"]}]}
            ]
        },
        "scrape_configs": [
            # The app pods, as the PodMonitor finds them: the actuator rewrites this file.
            {
                "job_name": "notejam",
                "file_sd_configs": [{"files": [str(state.path / "targets/notejam.json")]}],
            },
            {
                "job_name": "kube-state-metrics",
                "honor_labels": True,
                "static_configs": [{"targets": [f"127.0.0.1:{state.ports['pushgateway']}"]}],
            },
        ],
    }


def start_prometheus(state: State) -> None:
    """Prometheus with our rules; its data survives a stop, as a restarted Prometheus's would."""
    port = state.ports.get("prometheus") or procs.free_port()
    (state.path / "targets").mkdir(exist_ok=True)
    targets = state.path / "targets/notejam.json"
    if not targets.exists():
        targets.write_text("[]")
    conf = state.path / "prometheus.yml"
    conf.write_text(yaml.safe_dump(prometheus_config(state), sort_keys=False))
    procs.run(["promtool", "check", "config", str(conf)])
    argv = ["prometheus", f"--config.file={conf}", "--web.enable-lifecycle"]
    argv.append(f"--storage.tsdb.path={state.path / 'prometheus'}")
    serve_prometheus_daemon(state, "prometheus", argv, port, 60, "Prometheus")


def stop_prometheus(state: State) -> None:
    procs.stop(state.pids.pop("prometheus"), timeout=30)


NGINX_CONF = """# Stand-in for the ALB (k8s/base/app/ingress.yaml): layer 7, least outstanding.
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/logs/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  # The ALB keeps client connections as long as they are used (idle timeout 60 s) and never
  # closes one after N requests, which nginx does by default (a race a client sees as an error).
  keepalive_timeout 60s;
  keepalive_requests 100000000;
  access_log off;
  client_body_temp_path {dir}/nginx-tmp/body;
  proxy_temp_path {dir}/nginx-tmp/proxy;
  fastcgi_temp_path {dir}/nginx-tmp/fastcgi;
  uwsgi_temp_path {dir}/nginx-tmp/uwsgi;
  scgi_temp_path {dir}/nginx-tmp/scgi;
  include {dir}/upstream.conf;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://notejam;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout 60s;
      proxy_next_upstream off;
    }}
  }}
}}
"""


def write_upstream(state: State, ports: list[int]) -> None:
    """The target group: the replicas that passed their health checks."""
    servers = "".join(f"  server 127.0.0.1:{p} max_fails=0;\n" for p in ports)
    if not ports:
        servers = "  server 127.0.0.1:1 down;\n"  # nginx needs one; nothing is healthy yet
    (state.path / "upstream.conf").write_text(
        "upstream notejam {\n  least_conn;\n  keepalive 32;\n  keepalive_requests 100000000;\n"
        # Idle connections to a replica close after 15 s (the ALB's idle timeout is 60 s), so what
        # a pod counts as open follows its recent concurrency, not a ramp that ended minutes ago.
        "  keepalive_timeout 15s;\n" + servers + "}\n"
    )


def start_nginx(state: State) -> None:
    port = procs.free_port()
    tmp = state.path / "nginx-tmp"
    tmp.mkdir()
    os.chmod(tmp, 0o777)
    write_upstream(state, [])
    conf = state.path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=state.path, port=port))
    procs.run(["nginx", "-t", "-q", "-c", str(conf), "-p", str(state.path)])
    state.pids["nginx"] = procs.start(
        "nginx", ["nginx", "-c", str(conf), "-p", str(state.path)], state.path / "logs"
    )
    state.ports["lb"] = port
    procs.wait_port(port, 10, "nginx", state.path / "logs/nginx-error.log")


def reload_nginx(state: State) -> None:
    procs.run(
        ["nginx", "-s", "reload", "-c", str(state.path / "nginx.conf"), "-p", str(state.path)]
    )


def write_targets(state: State, replicas: list[tuple[str, int]]) -> None:
    """Prometheus's view of the pods: name and admin port of every running container."""
    groups = [
        {"targets": [f"127.0.0.1:{port}"], "labels": {"namespace": NAMESPACE, "pod": name}}
        for name, port in replicas
    ]
    tmp = state.path / "targets/notejam.json.tmp"
    tmp.write_text(json.dumps(groups))
    tmp.replace(state.path / "targets/notejam.json")


def aws_env(state: State) -> dict[str, str]:
    """Fixed dummy credentials for the emulator (moto accepts any); never a real account."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL_CLOUDWATCH": state.url("moto"),
    }
