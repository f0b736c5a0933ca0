"""Validates custom resources against their schemas, unknown fields rejected, as `kubectl apply`
with strict field validation would: PodMonitor, ServiceMonitor and PrometheusRule against the
prometheus-operator models, ScalingPolicy against the CRD the autoscaler prints.

    custom_resources CRD_YAML MANIFEST...
"""

import os
from collections import Counter
from typing import Any

import jsonschema
from cloudcoil.models.prometheus_operator import v1 as pov1

from .documents import load_documents
from .report import Report, run

Schema = dict[str, Any]
SchemaKey = tuple[str, str]  # (apiVersion, kind)


def closed(schema: Any) -> Any:
    """Closes every object schema that lists its properties (Pydantic and CRD schemas leave them
    open, so a misspelt field would pass)."""
    if isinstance(schema, dict):
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        for v in schema.values():
            closed(v)
    elif isinstance(schema, list):
        for v in schema:
            closed(v)
    return schema


def operator_schemas() -> dict[SchemaKey, Schema]:
    """The prometheus-operator kinds we use, from the cloudcoil models."""
    models = {
        "PodMonitor": pov1.PodMonitor,
        "ServiceMonitor": pov1.ServiceMonitor,
        "PrometheusRule": pov1.PrometheusRule,
    }
    return {
        ("monitoring.coreos.com/v1", kind): closed(model.model_json_schema(by_alias=True))
        for kind, model in models.items()
    }


def crd_schemas(crd_path: str) -> dict[SchemaKey, Schema]:
    """One schema per version of each CustomResourceDefinition in the file."""
    schemas = {}
    for crd in load_documents(crd_path):
        if crd.get("kind") != "CustomResourceDefinition":
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
    return schemas


def main(args: list[str]) -> int:
    crd_path, manifests = args[0], args[1:]
    schemas = operator_schemas()
    have_crd = os.path.exists(crd_path)
    if have_crd:
        schemas |= crd_schemas(crd_path)
        crd_note = "ScalingPolicy against " + crd_path
    else:
        crd_note = f"ScalingPolicy NOT schema-checked: {crd_path} is not there yet"

    report, counts = Report(), Counter[str]()
    for path in manifests:
        for d in load_documents(path):
            key = (d["apiVersion"], d["kind"])
            name = f"{os.path.basename(path)}: {d['kind']}/{d['metadata']['name']}"
            if key not in schemas:
                if d["kind"] == "ScalingPolicy" and not have_crd:
                    counts["unchecked"] += 1
                    continue
                report.add(f"{name}: no schema for {key}")
                continue
            for e in jsonschema.Draft202012Validator(schemas[key]).iter_errors(d):
                report.add(f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
            counts[d["kind"]] += 1
    kinds = ", ".join(f"{k} x{v}" for k, v in sorted(counts.items()))
    return report.finish(f"{kinds}; {crd_note}")


if __name__ == "__main__":
    run(main)
