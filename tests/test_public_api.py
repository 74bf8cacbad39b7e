"""The public API is what ``__all__`` says: in ``portcullis`` itself and in each package meant to be imported."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest

import portcullis

PUBLIC = [
    "Classification",
    "CompiledPolicy",
    "ConfigError",
    "Decision",
    "GatewayConfig",
    "PortcullisError",
    "Problem",
    "StoreUnavailable",
    "ToolCall",
    "UpstreamError",
    "__version__",
    "classify_tool",
    "compile_policy",
    "load_config",
    "load_policy",
]
PACKAGES = [
    "portcullis.approvals",
    "portcullis.audit",
    "portcullis.catalog",
    "portcullis.cli",
    "portcullis.config",
    "portcullis.demo",
    "portcullis.limits",
    "portcullis.policy",
]


def test_the_package_states_its_public_api() -> None:
    assert portcullis.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(portcullis, name) is not None
        assert name in dir(portcullis)
    assert portcullis.load_config is importlib.import_module("portcullis.config").load_config
    assert issubclass(portcullis.ConfigError, portcullis.PortcullisError)
    with pytest.raises(AttributeError):
        _ = portcullis.not_a_name


def test_star_import_gives_exactly_the_public_api() -> None:
    namespace: dict[str, object] = {}
    exec("from portcullis import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(PUBLIC)


def test_importing_portcullis_loads_nothing_else() -> None:
    code = (
        "import sys, portcullis\n"
        "print(sorted(m for m in sys.modules if m.startswith(('portcullis.', 'yaml', 'starlette'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", PACKAGES)
def test_each_package_states_its_api(name: str) -> None:
    package = importlib.import_module(name)
    exported = package.__all__
    assert exported, f"{name} has an empty __all__"
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    for attr in exported:
        assert hasattr(package, attr), f"{name}.__all__ names {attr}, which it does not have"


def test_private_plumbing_exports_nothing() -> None:
    plumbing = importlib.import_module("portcullis._plumbing")
    assert isinstance(plumbing, types.ModuleType)
    assert plumbing.__all__ == []
