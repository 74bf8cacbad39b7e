"""Hot reload: watch a policy file and swap in each valid new version (the README's "Policy and rate limits").

``PolicyWatcher`` polls the file's stat ~4 times a second and, when it changed, its SHA-256 (so a
``touch`` does nothing). A valid change is compiled and handed to ``on_change``; an invalid one is
logged and handed to ``on_error`` while the previous policy stays in force. Counters live in the
store, keyed by counter name, so they survive reloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType

from portcullis._plumbing.polling import FileStamp, file_stamp
from portcullis.config.source import unreadable
from portcullis.errors import ConfigError, Problem
from portcullis.policy.compile import CompiledPolicy, compile_policy
from portcullis.policy.parse import policy_from_text

__all__ = ["PolicyWatcher"]

log = logging.getLogger("portcullis.policy")

OnChange = Callable[[CompiledPolicy], Awaitable[None] | None]
OnError = Callable[[ConfigError], Awaitable[None] | None]


class PolicyWatcher:
    """Watch ``path``; call ``on_change(policy)`` for each valid new version, ``on_error(err)`` otherwise."""

    def __init__(self, path: Path | str, on_change: OnChange, on_error: OnError, interval: float = 0.25) -> None:
        self.path = Path(path)
        self.on_change = on_change
        self.on_error = on_error
        self.interval = interval
        self._stamp: FileStamp | None = None
        self._digest: str | None = None
        self._task: asyncio.Task[None] | None = None

    def load(self) -> CompiledPolicy:
        """Load the file now and remember it as the current version (for the first load). Raises ConfigError."""
        stamp = self._stat()
        data = self._read()
        policy = compile_policy(policy_from_text(data.decode("utf-8", "replace"), str(self.path)))
        self._stamp, self._digest = stamp, hashlib.sha256(data).hexdigest()
        return policy

    def start(self) -> None:
        """Start polling on the running loop. Without a prior ``load()``, the file as it is now is the baseline."""
        if self._task is not None:
            return
        if self._digest is None:
            self._stamp = self._stat()
            with contextlib.suppress(OSError):
                self._digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"policy-watcher:{self.path}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def __aenter__(self) -> PolicyWatcher:
        self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.poll()
            except asyncio.CancelledError:
                raise
            except Exception:  # a callback failed: keep watching
                log.exception("policy watcher: a reload callback failed")

    def _stat(self) -> FileStamp | None:
        return file_stamp(self.path)

    def _read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise ConfigError([Problem(str(self.path), "$", f"cannot read the policy: {unreadable(exc)}")]) from None

    async def poll(self) -> bool:
        """Check once; True when a new policy was handed to ``on_change``."""
        stamp = self._stat()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            data = self._read()
        except ConfigError as exc:
            await self._error(exc)
            return False
        digest = hashlib.sha256(data).hexdigest()
        if digest == self._digest:
            return False
        self._digest = digest
        try:
            policy = compile_policy(policy_from_text(data.decode("utf-8", "replace"), str(self.path)))
        except ConfigError as exc:
            await self._error(exc)
            return False
        log.info("policy %s reloaded (%d entries)", self.path, policy.rule_count)
        result = self.on_change(policy)
        if inspect.isawaitable(result):
            await result
        return True

    async def _error(self, exc: ConfigError) -> None:
        log.error("policy %s not reloaded, the previous policy stays in force:\n%s", self.path, exc)
        result = self.on_error(exc)
        if inspect.isawaitable(result):
            await result
