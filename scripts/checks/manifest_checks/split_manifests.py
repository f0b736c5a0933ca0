"""Splits a rendered overlay: built-in kinds go to kubernetes-validate, custom resources to
custom_resources.py (kubernetes-validate knows no schema for them).

    split_manifests RENDERED BUILTIN_OUT CUSTOM_OUT
"""

from .documents import dump_documents, load_documents
from .report import run

CUSTOM_GROUPS = ("monitoring.coreos.com/", "autoscaling.notejam.io/")


def main(args: list[str]) -> int:
    src, builtin_out, custom_out = args
    docs = load_documents(src)
    builtin = [d for d in docs if not d["apiVersion"].startswith(CUSTOM_GROUPS)]
    custom = [d for d in docs if d["apiVersion"].startswith(CUSTOM_GROUPS)]
    dump_documents(builtin, builtin_out)
    dump_documents(custom, custom_out)
    print(f"{len(builtin)} built-in, {len(custom)} custom")
    return 0


if __name__ == "__main__":
    run(main)
