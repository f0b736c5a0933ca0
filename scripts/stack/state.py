"""Where a running platform keeps its ports, processes and files, so `up`, `load`, `down` and
`status` can be separate commands."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_DIR = Path(os.environ.get("NOTEJAM_PLATFORM_DIR", "/tmp/notejam-platform"))


@dataclass
class Replica:
    """One app container: its slot (name suffix) and loopback ports."""

    slot: int
    port: int
    admin_port: int

    @property
    def name(self) -> str:
        return f"notejam-app-{self.slot}"


@dataclass
class State:
    """Everything `down` and `load` need to find what `up` started."""

    dir: str
    image_tag: str = "ci"
    database_url: str = ""
    secret_key: str = ""
    ports: dict[str, int] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    replicas: list[Replica] = field(default_factory=list)
    cpus_per_replica: float = 0.2
    pg_bin: str = ""
    pg_user: str = ""

    @property
    def path(self) -> Path:
        return Path(self.dir)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def save(self) -> None:
        tmp = self.path / "state.json.tmp"
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.replace(self.path / "state.json")

    @classmethod
    def load(cls, directory: Path) -> State:
        file = directory / "state.json"
        if not file.exists():
            raise SystemExit(f"no platform is up in {directory} (run: scripts/platform.sh up)")
        raw = json.loads(file.read_text())
        raw["replicas"] = [Replica(**r) for r in raw.get("replicas", [])]
        return cls(**raw)
