"""The deployment files in ``deploy/``, checked as far as this machine allows (no Docker engine, no
cluster): every manifest parses, names what exists (files, ports, labels, the ConfigMap and Secret),
the config they carry loads with Portcullis's own loader, and the nginx site is accepted by nginx."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from portcullis.config.load import config_from_text
from portcullis.policy.parse import policy_from_text
from tests.conftest import ROOT, missing
from tests.reliability.fleet import nginx_conf

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
FLEET_ENV = {
    "PG_DSN": "postgresql://portcullis@postgres:5432/portcullis",
    "REDIS_URL": "redis://redis:6379/0",
    "PORTCULLIS_AGENT_KEY_SHA256": hashlib.sha256(b"agents-key").hexdigest(),
    "PORTCULLIS_SESSION_SECRET": "0123456789abcdef" * 4,
}


def manifests() -> dict[str, dict[str, Any]]:
    """Every Kubernetes object in deploy/kubernetes, by kind."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and "kind" in doc and doc["kind"] != "Kustomization":
                out[doc["kind"]] = doc
    return out


def test_the_kustomization_lists_every_manifest_and_only_those() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


def test_the_deployment_runs_three_non_root_replicas_probed_on_healthz() -> None:
    objects = manifests()
    deployment = objects["Deployment"]
    assert deployment["spec"]["replicas"] == 3
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    (container,) = pod["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz"
        assert container[probe]["httpGet"]["port"] == container["ports"][0]["name"]
    assert container["ports"][0]["containerPort"] == 8765
    assert container["args"][-1] == "0.0.0.0:8765"
    # The grace period leaves room for the drain the config asks for.
    assert pod["terminationGracePeriodSeconds"] > 30

    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert objects["Service"]["spec"]["selector"].items() <= labels.items()
    assert objects["Service"]["spec"]["ports"][0]["targetPort"] == container["ports"][0]["name"]
    assert objects["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert objects["PodDisruptionBudget"]["spec"]["minAvailable"] < deployment["spec"]["replicas"]

    volumes = {v["name"]: v for v in pod["volumes"]}
    config_volume = next(m for m in container["volumeMounts"] if m["mountPath"] == "/etc/portcullis")
    assert volumes[config_volume["name"]]["configMap"]["name"] == objects["ConfigMap"]["metadata"]["name"]
    secret = container["envFrom"][0]["secretRef"]["name"]
    assert secret in (K8S / "deployment.yaml").read_text().split("kubectl create secret generic ", 1)[1]


def test_the_configmap_carries_a_config_and_policy_portcullis_loads() -> None:
    data = manifests()["ConfigMap"]["data"]
    config = config_from_text(expand(data["portcullis.yaml"]), "configmap.yaml")
    assert config.policy == "policy.json" or all(g.policy == "policy.json" for g in config.grants)
    assert config.audit.startswith("postgresql://") and config.store.startswith("redis://")
    # Every variable the config uses comes from the Secret the Deployment names.
    used = set(re.findall(r"\$\{(\w+)\}", data["portcullis.yaml"]))
    assert used <= set(FLEET_ENV)
    policy_from_text(data["policy.json"], "policy.json")


def test_the_compose_file_runs_three_replicas_behind_nginx_on_shared_stores() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    replicas = [name for name in services if name.startswith("portcullis-")]
    assert len(replicas) == 3
    for name in replicas:
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert set(services[name]["depends_on"]) == {"redis", "postgres"}
    assert {"nginx", "redis", "postgres"} <= set(services)
    for volume in services["nginx"]["volumes"] + services[replicas[0]]["volumes"]:
        source = volume.split(":", 1)[0]
        assert (DEPLOY / source).exists(), source
    upstreams = (DEPLOY / "nginx" / "upstreams.conf").read_text()
    assert all(f"server {name}:8765" in upstreams for name in replicas)
    config = config_from_text(expand((DEPLOY / "config" / "portcullis.yaml").read_text()), "portcullis.yaml")
    assert config.listen == "0.0.0.0:8765"
    policy_from_text((DEPLOY / "config" / "policy.json").read_text(), "policy.json")


def test_the_dockerfile_runs_as_a_user_and_copies_what_exists() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    for line in re.findall(r"^COPY\s+(?!--from)(.+)$", text, re.M):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), source
    assert "/healthz" in text


def test_nginx_accepts_the_shipped_site(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        missing("nginx (Debian package nginx; scripts/test installs it)")
    assert nginx is not None
    conf = nginx_conf(tmp_path, ["127.0.0.1:1"], listen_port=1)
    done = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def expand(text: str) -> str:
    """``${VAR}`` replaced from the fleet's Secret, as the replicas' environment would."""
    return re.sub(r"\$\{(\w+)\}", lambda m: FLEET_ENV[m.group(1)], text)
