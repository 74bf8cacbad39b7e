"""``portcullis serve``: refusals exit 2 with a located message; ``--demo`` serves the shipped upstream."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from tests.gateway.proc import PYTHON, free_port
from tests.gateway.wire import answer, post_modern
from tests.harness import FIXTURE_SERVER, child_pids, running_gateway, stdio_server, write_config
from tests.waiting import SLOW_WAIT, wait_for

_WAIT = 60


def _serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "portcullis", "serve", *args],
        capture_output=True,
        text=True,
        timeout=_WAIT,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )


def test_a_missing_config_exits_2(tmp_path: Path) -> None:
    got = _serve(tmp_path, "-c", "nope.yaml")
    assert got.returncode == 2
    assert "nope.yaml: $: file not found" in got.stderr


def test_a_config_error_names_file_line_and_key(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("listen: 127.0.0.1:1\nservers:\n  s:\n    command: x\n    timeout: soon\n")
    got = _serve(tmp_path, "-c", "p.yaml")
    assert got.returncode == 2
    assert "p.yaml:5: $.servers.s.timeout: not a duration: 'soon' (use 30s, 5m, 1h, 1d" in got.stderr


def test_bad_listen_flag_exits_2(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("servers:\n  s:\n    command: x\n")
    got = _serve(tmp_path, "-c", "p.yaml", "--listen", "everywhere")
    assert got.returncode == 2
    assert "--listen" in got.stderr and "HOST:PORT" in got.stderr


def test_no_servers_exits_2_saying_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("listen: 127.0.0.1:8765\n")
    got = _serve(tmp_path, "-c", "p.yaml")
    assert got.returncode == 2
    assert "no upstream servers configured" in got.stderr and "--demo" in got.stderr


def test_a_public_address_without_grants_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("servers:\n  s:\n    command: x\n")
    got = _serve(tmp_path, "-c", "p.yaml", "--listen", f"0.0.0.0:{free_port()}")
    assert got.returncode == 2
    assert "refusing to listen on 0.0.0.0" in got.stderr and "portcullis keys create" in got.stderr


def test_demo_serves_the_shipped_upstream(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [PYTHON, "-m", "portcullis", "serve", "--demo", "-c", "absent.yaml", "--listen", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def demo_ready() -> bool:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            return bool(http.get(f"http://127.0.0.1:{port}/healthz").json()["servers"]["demo"]["state"] == "ready")
        except httpx.HTTPError:
            return False

    try:
        url = f"http://127.0.0.1:{port}/mcp"
        with httpx.Client(timeout=10) as http:
            wait_for(demo_ready, "the demo upstream ready", SLOW_WAIT)
            result = answer(post_modern(http, url, "tools/list"))["result"]
            assert result["tools"] and all(t["name"].startswith("demo__") for t in result["tools"])
            assert http.get(f"http://127.0.0.1:{port}/nothing-here").status_code == 404
        children = child_pids(proc.pid)
        assert children  # the demo upstream runs as a child of the gateway
    finally:
        proc.terminate()
        proc.wait(SLOW_WAIT)
    # uvicorn re-raises SIGTERM after its graceful shutdown; either way the upstreams must be gone
    assert proc.returncode in (0, -15)
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children), "the upstreams gone with the gateway")


def test_serve_warns_at_start_about_callers_no_policy_applies_to(tmp_path: Path) -> None:
    (tmp_path / "policy.json").write_text('{"version": "1", "default": "allow"}')
    config = write_config(
        tmp_path / "portcullis.yaml",
        {"fx": stdio_server(FIXTURE_SERVER)},
        policy="policy.json",
        grants=[
            {"name": "laptop", "key_sha256": "0" * 64, "policy": "policy.json"},
            {"name": "ci-bot", "key_sha256": "1" * 64},
        ],
    )
    with running_gateway(config) as gw:
        stderr = gw.stderr()
    assert "warning: grant 'ci-bot' has no policy, so every call with its key is denied" in stderr
    assert "the top-level 'policy:' applies only to a gateway without grants" in stderr
    assert "'laptop'" not in stderr


def test_a_missing_policy_file_names_the_grant_and_how_to_write_it(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "servers:\n  s:\n    command: 'true'\ngrants:\n  - name: laptop-agent\n"
        f'    key_sha256: "{"0" * 64}"\n    policy: polcy.json\n'
    )
    got = _serve(tmp_path, "-c", "p.yaml")
    assert got.returncode == 2, got.stderr
    assert (
        "file not found, yet grant 'laptop-agent' names it: write it with 'portcullis recommend -o " in got.stderr
        and "polcy.json" in got.stderr
        and "Traceback" not in got.stderr
    ), got.stderr


def test_serving_is_said_only_once_the_gateway_listens(tmp_path: Path) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/trail"  # start-up fails: the audit trail
    config = write_config(tmp_path / "portcullis.yaml", {"fx": stdio_server(FIXTURE_SERVER)}, audit=nowhere)
    got = _serve(tmp_path, "-c", str(config), "--listen", f"127.0.0.1:{free_port()}")
    assert got.returncode == 2 and "cannot be opened" in got.stderr, got.stderr
    assert "serving MCP at" not in got.stderr and "serving on loopback" not in got.stderr, got.stderr
    write_config(config, {"fx": stdio_server(FIXTURE_SERVER)})
    with running_gateway(config) as gw:  # once it listens, it says where
        assert f"serving MCP at http://127.0.0.1:{gw.port}/mcp for upstreams: fx (stdio)" in gw.stderr()
        # No operator token yet: the console's address, and how to get one to sign in with.
        assert (
            f"console at http://127.0.0.1:{gw.port}/console: create a token to sign in with "
            "'portcullis admin-token create NAME --role admin'"
        ) in gw.stderr()
        assert "tracing on" not in gw.stderr() and "next:" not in gw.stderr()


def test_an_empty_grant_list_is_said_to_refuse_every_caller(tmp_path: Path) -> None:
    refused = (
        "agent keys are required and none is allowed, so every caller is refused until a key is created "
        "with 'portcullis keys create NAME --policy FILE'"
    )
    config = write_config(tmp_path / "portcullis.yaml", {"fx": stdio_server(FIXTURE_SERVER)}, grants=[])
    with running_gateway(config) as gw:
        stderr = gw.stderr()
    assert refused in stderr and "no policy applies to any caller" not in stderr, stderr
    (tmp_path / "policy.json").write_text('{"version": "1", "default": "allow"}')
    write_config(config, {"fx": stdio_server(FIXTURE_SERVER)}, grants=[], policy="policy.json")
    with running_gateway(config) as gw:
        stderr = gw.stderr()
        assert refused in stderr and "applies only to a gateway without 'grants:'" in stderr, stderr
        assert httpx.post(gw.url, json={}, timeout=30).status_code == 401  # and so it is
