"""Reading YAML files: every document of a multi-document file, empty documents left out."""

from pathlib import Path
from typing import Any

import yaml

Document = dict[str, Any]


def load_documents(path: str | Path) -> list[Document]:
    """The non-empty YAML documents of a file, in order."""
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def load_yaml(path: str | Path) -> Any:
    """The single YAML document of a file."""
    with open(path) as f:
        return yaml.safe_load(f)


def dump_yaml(value: Any, path: str | Path) -> None:
    """Writes one YAML document, keys in the order given."""
    with open(path, "w") as f:
        yaml.safe_dump(value, f, sort_keys=False)


def dump_documents(documents: list[Document], path: str | Path) -> None:
    """Writes a multi-document YAML file, keys in the order given."""
    with open(path, "w") as f:
        yaml.safe_dump_all(documents, f, sort_keys=False)
