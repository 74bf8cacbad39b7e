"""``portcullis serve`` (Streamable HTTP) and ``portcullis stdio``."""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from portcullis import gctune, tracing
from portcullis.cli.common import add_config_option
from portcullis.config import GatewayConfig, GrantConfig, load_config
from portcullis.config.load import LISTEN_RE, config_from_text
from portcullis.edge.loopback import is_loopback
from portcullis.errors import ConfigError, PortcullisError, Problem

if TYPE_CHECKING:
    import uvicorn

    from portcullis.edge.app import GatewayApp

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser(
        "serve",
        help="run the gateway over Streamable HTTP at /mcp",
        description="Run the gateway: MCP over Streamable HTTP at http://HOST:PORT/mcp (both eras), the console "
        "at /console, /healthz and /metrics. It starts every server of the config (./portcullis.yaml), enforces "
        "the policy on every call and records each decision. --demo runs it on the embedded demo upstream, "
        "without any config.",
    )
    add_config_option(serve)
    serve.add_argument(
        "--listen", metavar="HOST:PORT", help="address to listen on (default from config, 127.0.0.1:8765)"
    )
    serve.add_argument("--demo", action="store_true", help="wire in the demo upstream (no config file needed)")
    serve.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="overrides 'logging.level' in the config (default info)",
    )
    serve.set_defaults(handler=run_serve)
    stdio = sub.add_parser(
        "stdio",
        help="run the gateway over stdin/stdout (for clients that launch a command)",
        description="Run the gateway over stdin/stdout, for MCP clients that launch a command (Claude Desktop): "
        "stdout carries only the protocol, logs go to stderr. With grants in the config, the agent key comes "
        "from the environment variable PORTCULLIS_KEY.",
    )
    add_config_option(stdio)
    stdio.add_argument("--demo", action="store_true", help="wire in the demo upstream (no config file needed)")
    stdio.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="overrides 'logging.level' in the config (default warning for stdio)",
    )
    stdio.set_defaults(handler=run_stdio)


def gateway_config(args: argparse.Namespace) -> GatewayConfig:
    """The config named by ``-c``; with ``--demo`` a missing file is fine and the demo server is added."""
    from portcullis.assemble import with_demo

    path: Path = args.config
    config = config_from_text("{}", "<demo>") if args.demo and not path.exists() else load_config(path)
    if args.demo:
        config = with_demo(config)
    listen = getattr(args, "listen", None)
    if listen:
        if not LISTEN_RE.match(listen):
            raise ConfigError([Problem("--listen", "$", f"must be HOST:PORT, got {listen!r}")])
        from dataclasses import replace

        config = replace(config, listen=listen)
    if not config.servers:
        raise ConfigError(
            [
                Problem(
                    str(path),
                    "$.servers",
                    "no upstream servers configured: add some under "
                    "'servers', run 'portcullis import FILE', or use --demo",
                )
            ]
        )
    return config


def _warn_policy_gaps(config: GatewayConfig) -> None:
    from portcullis.pipeline.policies import policy_gaps

    for gap in policy_gaps(config):
        print(f"portcullis: warning: {gap}", file=sys.stderr)


def _setup_logging(config: GatewayConfig, cli_level: str | None, default_level: str) -> None:
    """Logs to stderr as the config's ``logging`` says (text or JSON), secrets redacted as in the audit."""
    from portcullis.audit import audit_options
    from portcullis.logs import configure_logging

    settings = {"level": default_level, **config.logging}
    if cli_level:
        settings["level"] = cli_level
    configure_logging(settings, redact=audit_options(config).redact, file=str(config.path or "<config>"))


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from portcullis.edge.leanpost import lean_protocol

    config = gateway_config(args)
    from portcullis.runtime import Runtime

    Runtime.check(config)
    _setup_logging(config, args.log_level, "info")
    host, port = config.host_port
    if not config.require_keys and not is_loopback(host):
        raise ConfigError(
            [
                Problem(
                    str(args.config),
                    "$.listen",
                    f"refusing to listen on {host} without any grant: "
                    "with no agent keys the gateway serves only on loopback; create one with "
                    "'portcullis keys create NAME'",
                )
            ]
        )
    _check_port(host, port)
    console_token = None
    if args.demo:  # the console opens with a one-run admin token (loopback only)
        from portcullis.console.demo import with_demo_operator

        config, console_token = with_demo_operator(config, is_loopback(host))
    tracing.configure()
    app = build_app(config)
    _warn_policy_gaps(config)
    uv_config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        loop="uvloop",
        http=lean_protocol(config.read_timeout),
        timeout_graceful_shutdown=max(1, round(config.drain_timeout)),
        proxy_headers=False,
        server_header=False,
        date_header=False,
        access_log=False,
    )
    with asyncio.Runner(loop_factory=uv_config.get_loop_factory()) as runner:
        try:
            server = _announcing_server(
                uv_config, lambda: _announce(config, console_token, demo=args.demo), app.begin_drain
            )
            runner.run(_start_then_serve(app, server))
        except asyncio.CancelledError:  # SIGTERM while starting
            return 128 + 15
        finally:
            tracing.shutdown()
    return 0


async def _start_then_serve(app: GatewayApp, server: uvicorn.Server) -> None:
    """Start the gateway (upstreams may take long), then serve until a signal, then close.

    The start-up runs before uvicorn takes the signals over, so that Ctrl-C (or SIGTERM) while a slow
    upstream is starting stops the command at once, closing what had started, instead of being held
    until every upstream is up (uvicorn's lifespan start-up cannot be interrupted).
    """
    import signal

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        await app.startup()
    except BaseException as exc:
        await app.shutdown()
        if isinstance(exc, Exception) and not isinstance(exc, PortcullisError):
            raise PortcullisError(f"the gateway could not start: {exc!r}", "see the log above") from exc
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
    gctune.settle()
    await server.serve()  # the lifespan start-up finds the gateway started; its shut-down closes it


def _announce(config: GatewayConfig, console_token: str | None = None, *, demo: bool = False) -> None:
    """Say where the gateway serves: only once it listens and its start-up (stores, audit) succeeded."""
    names = ", ".join(f"{n} ({s.transport})" for n, s in config.servers.items())
    print(f"portcullis: serving MCP at http://{config.listen}/mcp for upstreams: {names}", file=sys.stderr)
    if console_token is not None:
        from portcullis.console.demo import sign_in_url

        print(
            f"portcullis: console at {sign_in_url(config.listen, console_token)} (an admin token for this run only)",
            file=sys.stderr,
        )
    elif config.admin_tokens or config.admin_token_sha256:
        print(f"portcullis: console at http://{config.listen}/console (sign in with an admin token)", file=sys.stderr)
    else:
        print(
            f"portcullis: console at http://{config.listen}/console: create a token to sign in with "
            "'portcullis admin-token create NAME --role admin'",
            file=sys.stderr,
        )
    from portcullis.catalog.build import classifier_build_line

    print(f"portcullis: {classifier_build_line()}", file=sys.stderr)
    if not config.require_keys:
        print("portcullis: no grants configured — serving on loopback only, without agent keys", file=sys.stderr)
    if tracing.tracer is not None:
        print(f"portcullis: tracing on: spans go over OTLP/HTTP to {tracing.endpoint()}", file=sys.stderr)
    if demo:
        print(
            f"portcullis: next: point an MCP client at http://{config.listen}/mcp (the README's \"What the demo "
            "shows\" has the Inspector's commands); in another shell, in this folder: 'portcullis approvals list' "
            "shows held calls, 'portcullis audit' every decision",
            file=sys.stderr,
        )


def _announcing_server(
    config: uvicorn.Config, on_listening: Callable[[], None], on_stopping: Callable[[], None]
) -> uvicorn.Server:
    """A uvicorn server that calls ``on_listening`` once its lifespan start-up has run and it listens,
    and ``on_stopping`` when a signal stops it, before it waits for the calls in flight.

    uvicorn's graceful stop is the drain: it stops listening (a load balancer's next connection goes
    to another replica), lets each request in flight finish up to ``timeout_graceful_shutdown`` (the
    config's ``drain_timeout``), then runs the lifespan shut-down, which flushes the audit trail."""
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)  # exits (SystemExit) when the start-up or the bind fails
            if self.started and not self.should_exit:
                on_listening()

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            on_stopping()
            await super().shutdown(sockets)

    return AnnouncingServer(config)


def _check_port(host: str, port: int) -> None:
    """Fail before starting any upstream when the address cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            why = "is already in use (another gateway?)" if exc.errno == errno.EADDRINUSE else f"cannot be used: {exc}"
            raise PortcullisError(
                f"{host}:{port} {why}", "pick another address with --listen HOST:PORT or 'listen:' in the config"
            ) from None


def build_app(config: GatewayConfig) -> GatewayApp:
    """The gateway's ASGI app, with the guard and extra routes available in this build."""
    from portcullis.assemble import assemble

    return assemble(config).app


def run_stdio(args: argparse.Namespace) -> int:
    from portcullis.assemble import assemble
    from portcullis.edge.stdio import serve_stdio
    from portcullis.sessions.client import ClientSession

    config = gateway_config(args)
    from portcullis.runtime import Runtime

    Runtime.check(config)
    _setup_logging(config, args.log_level, "warning")
    _warn_policy_gaps(config)
    parts = assemble(config)
    app, runtime = parts.app, parts.runtime
    key = os.environ.pop("PORTCULLIS_KEY", None)  # read once; never inherited by the stdio upstreams it spawns
    grant = runtime.authenticate_key(key)
    if grant is False:
        print(
            "portcullis: set PORTCULLIS_KEY to an agent key from 'portcullis keys create NAME' (the one given "
            "is missing or unknown)",
            file=sys.stderr,
        )
        return 2

    async def main() -> None:
        await app.startup()
        gctune.settle()
        try:
            client = ClientSession(grant=grant if isinstance(grant, GrantConfig) else None)
            await serve_stdio(parts.gateway, client, lambda: runtime.authenticate_key(key))
        finally:
            await app.shutdown()

    tracing.configure()
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
    finally:
        tracing.shutdown()
    return 0
