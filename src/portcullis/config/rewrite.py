"""Change the config file (``keys``, ``admin-token``, the console's grants) without ever leaving it broken.

``open_config`` loads the file named by ``-c`` (it must exist); ``save_config`` writes new text,
loads it again and puts the old text back if the new one does not load, raising the reason. A
running gateway re-reads grants and tokens from the file within about a second.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from portcullis.config.load import CREATE_CONFIG, load_config
from portcullis.config.model import GatewayConfig
from portcullis.errors import ConfigError, PortcullisError

__all__ = ["open_config", "save_config"]


def open_config(path: Path) -> tuple[GatewayConfig, str]:
    """The config at ``path`` and its text; a missing file says what to do."""
    if not path.exists():
        raise PortcullisError(f"{path} does not exist", CREATE_CONFIG)
    if not path.is_file():  # a device or a pipe would be replaced by a regular file
        raise PortcullisError(f"{path} is not a regular file, so it cannot be edited", "name the config file with -c")
    return load_config(path), path.read_text(encoding="utf-8")


def _write(path: Path, text: str) -> None:
    """Replace the file's text in one step (a gateway polling it never reads half a file); a symlink stays
    a symlink: the file it points at is replaced."""
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_config(
    path: Path, original: str, text: str, done: Callable[[GatewayConfig], bool] | None = None
) -> GatewayConfig:
    """Write ``text`` to ``path`` and return the config it loads as; put ``original`` back if it does not
    load, or if ``done`` says the loaded config does not show the change (never report one not made)."""
    _write(path, text)
    try:
        config = load_config(path)
    except ConfigError as exc:
        _write(path, original)
        raise PortcullisError(f"the change could not be made; {path} is unchanged:\n{exc}") from None
    if done is not None and not done(config):
        _write(path, original)
        raise PortcullisError(f"the change could not be made in {path} (left unchanged)", "make it by hand")
    return config
