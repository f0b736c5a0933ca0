"""Project rules that no generic scanner knows, per rendered overlay (dev, staging, prod): every
object has a namespace, prod leaves `replicas` to the autoscaler, cookies are Secure, images are
the placeholder CI pins, every workload is locked down and probed, the app's objects exist.

    project_policies RENDERED_OVERLAY.yaml...
"""

from pathlib import Path

from .documents import Document, load_documents
from .report import Report, run

CLUSTER_SCOPED = {
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "PriorityClass",
    "StorageClass",
    "IngressClass",
}
REQUIRED_KINDS = ("PodDisruptionBudget", "Ingress", "Service", "PodMonitor")


def check_namespaces(env: str, docs: list[Document], report: Report) -> None:
    """Without a namespace an object lands wherever kubectl's context points."""
    for d in docs:
        if d["kind"] not in CLUSTER_SCOPED and not d["metadata"].get("namespace"):
            report.add(f"{env}: {d['kind']}/{d['metadata']['name']} has no namespace")


def check_scaling(env: str, docs: list[Document], app: Document, report: Report) -> None:
    """An acting ScalingPolicy owns the replica count; prod must have one."""
    policies = [
        d
        for d in docs
        if d["kind"] == "ScalingPolicy"
        and d["spec"]["targetRef"]["name"] == "notejam"
        and d["spec"].get("mode", "dry-run") in ("scale", "tune")
    ]
    if policies and "replicas" in app["spec"]:
        report.add(
            f"{env}: the autoscaler owns notejam's replicas, but the Deployment sets replicas"
        )
    if env == "prod" and not policies:
        report.add("prod: no ScalingPolicy in scale or tune mode for notejam")


def check_cookies(env: str, docs: list[Document], report: Report) -> None:
    cms = [
        d
        for d in docs
        if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("notejam-config")
    ]
    if not cms or any(cm["data"].get("NOTEJAM_COOKIE_SECURE") != "true" for cm in cms):
        report.add(f'{env}: NOTEJAM_COOKIE_SECURE must be "true"')


def check_workloads(env: str, docs: list[Document], report: Report) -> None:
    """Every container of a Deployment or Job: pinned by CI, read-only, bounded, probed."""
    for d in docs:
        if d["kind"] not in ("Deployment", "Job"):
            continue
        pod = d["spec"]["template"]["spec"]
        for c in pod["containers"]:
            where = f"{env}: {d['kind']}/{d['metadata']['name']}/{c['name']}"
            if not c["image"].endswith(":set-by-ci"):
                report.add(f"{where}: image {c['image']} is not the placeholder CI pins")
            sc = c.get("securityContext", {})
            if (
                not sc.get("readOnlyRootFilesystem")
                or sc.get("allowPrivilegeEscalation") is not False
            ):
                report.add(f"{where}: needs readOnlyRootFilesystem and no privilege escalation")
            resources = c.get("resources", {})
            if "limits" not in resources or "requests" not in resources:
                report.add(f"{where}: needs resource requests and limits")
            if d["kind"] == "Deployment" and not ("readinessProbe" in c and "livenessProbe" in c):
                report.add(f"{where}: needs liveness and readiness probes")
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            report.add(f"{env}: {d['kind']}/{d['metadata']['name']}: runAsNonRoot")


def check_web_container(env: str, app: Document, report: Report) -> None:
    """Probes on the admin port (never the public one) and a preStop pause for the ELB."""
    web = app["spec"]["template"]["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        if web.get(probe, {}).get("httpGet", {}).get("port") != "admin":
            report.add(f"{env}: notejam {probe} must use the admin port")
    if "preStop" not in web.get("lifecycle", {}):
        report.add(f"{env}: notejam needs a preStop pause")


def check_overlay(path: str, report: Report) -> None:
    env = Path(path).name.removesuffix(".yaml")
    docs = load_documents(path)
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    check_namespaces(env, docs, report)
    app = by_name.get(("Deployment", "notejam"))
    if app is None:
        report.add(f"{env}: no Deployment notejam")
        return
    check_scaling(env, docs, app, report)
    check_cookies(env, docs, report)
    check_workloads(env, docs, report)
    check_web_container(env, app, report)
    for kind in REQUIRED_KINDS:
        if (kind, "notejam") not in by_name:
            report.add(f"{env}: no {kind} notejam")
    if ("Job", "notejam-migrate") not in by_name:
        report.add(f"{env}: no migration Job")


def main(args: list[str]) -> int:
    report = Report()
    for path in args:
        check_overlay(path, report)
    return report.finish(f"{len(args)} overlays")


if __name__ == "__main__":
    run(main)
