"""The Kubernetes manifests in load/kubernetes/ validate offline against Kubernetes' schemas
(kubernetes-validate ships them), and run the commands the guide and the host test use."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate")

FOLDER = Path(__file__).resolve().parent.parent / "load" / "kubernetes"
MANIFESTS = sorted(FOLDER.glob("*.yaml"))


def _documents() -> list[dict]:
    return [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_each_manifest_validates_strictly(path):
    version = kubernetes_validate.latest_version()
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, version, strict=True)


def test_a_broken_manifest_is_refused():
    """The validation is real: a Deployment without its selector fails it."""
    deployment = next(d for d in _documents() if d["kind"] == "Deployment")
    spec = {k: v for k, v in deployment["spec"].items() if k != "selector"}
    broken = {**deployment, "spec": spec}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


def test_master_service_and_workers_meet_on_port_5557_with_the_same_credentials_path():
    docs = {(d["kind"], d["metadata"]["name"]): d for d in _documents()}
    master = docs[("Deployment", "authconform-load-master")]["spec"]["template"]["spec"]
    worker = docs[("Deployment", "authconform-load-worker")]["spec"]["template"]["spec"]
    service = docs[("Service", "authconform-load-master")]["spec"]
    assert service["ports"][0]["port"] == 5557
    assert master["containers"][0]["ports"][0]["containerPort"] == 5557
    worker_command = worker["containers"][0]["command"]
    assert worker_command[:3] == ["authconform", "load", "--worker"]
    assert worker_command[worker_command.index("--master-host") + 1] == "authconform-load-master"
    containers = (*master["containers"], *worker["containers"])
    mounts = {c["volumeMounts"][0]["mountPath"] for c in containers}
    assert mounts == {"/etc/authconform"}
    assert "--expect-workers" in master["containers"][0]["args"][0]
    replicas = docs[("Deployment", "authconform-load-worker")]["spec"]["replicas"]
    settings = docs[("ConfigMap", "authconform-load-settings")]["data"]
    assert int(settings["EXPECT_WORKERS"]) == replicas
