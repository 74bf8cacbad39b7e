"""The wheel's build hook: the classifier compiled with mypyc when this machine can, the pure-Python wheel when not.

Why it exists: hatch-mypyc's own hook fails the whole install when mypyc fails (no C compiler, no Python headers, a
type error mypyc rejects), and it compiles for editable installs too, where the compiled modules (``*.so``) left
beside the sources would shadow the ``.py`` files being edited. This hook wraps it:

- a plain ``pip install .`` (a standard wheel) compiles the modules listed in pyproject.toml's
  ``[tool.hatch.build.targets.wheel.hooks.custom]`` (``include``, ``mypy-args``: hatch-mypyc's options);
- when that fails for any reason, the wheel is built pure Python and the build says so, with what failed and how to
  get the compiled build (``pip install -v .`` shows the build's output; ``portcullis --version`` tells afterwards
  which classifier an install runs, and why it is pure Python when the build said so);
- an editable install (``pip install -e .``) never compiles, nor does any build with ``PORTCULLIS_PURE=1``;
- the compiled modules are removed from the source tree once they are in the wheel.

A standard wheel carries ``portcullis/_build.json``: which classifier it holds and, for a pure one, why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PURE_VARIABLE = "PORTCULLIS_PURE"
BUILD_INFO = "portcullis/_build.json"  # where the wheel holds what this hook did
_HOW = (
    "for the compiled classifier (about 1.6x the tool definitions per CPU second, the same answers) install a C "
    "compiler and Python's headers (Debian/Ubuntu: apt install build-essential python3-dev) and reinstall "
    "(pip install --force-reinstall --no-deps .); PORTCULLIS_PURE=1 builds pure Python without trying"
)


def _forced_pure() -> bool:
    return os.environ.get(PURE_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def _what_failed(text: str, lines: int = 8, width: int = 300) -> str:
    """The lines of a failed compile's output that say what failed: its error lines (mypy's, the compiler's), else
    its last lines; each cut to ``width`` characters (a compiler's command line runs to thousands)."""
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in kept if "error" in line.lower()]
    return "\n".join(line if len(line) <= width else line[: width - 1] + "…" for line in (errors or kept)[-lines:])


def _reason(text: str) -> str:
    """What failed, in a few words, for the wheel's record (``portcullis --version`` shows it)."""
    if "Python.h" in text:
        return "Python's headers (Python.h) are missing"
    compiler = re.search(r"Command '\['([^']+)'.*?returned non-zero exit status (\d+)", text)
    if compiler is not None:
        return f"the C compiler ({compiler.group(1)}) failed with status {compiler.group(2)}"
    missing = re.search(r"command '([^']+)' failed: No such file", text)
    if missing is not None:
        return f"no C compiler ({missing.group(1)} was not found)"
    lines = [line.strip() for line in text.splitlines() if "error" in line.lower()] or [text.strip()]
    return lines[0][:200]


class ClassifierBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compile the classifier through hatch-mypyc's hook; fall back to pure Python when it fails."""

    def dependencies(self) -> list[str]:
        """What compiling needs in the build environment: nothing when pure Python is asked for."""
        if _forced_pure():
            return []
        return [str(d) for d in self.config.get("compile-dependencies", [])]

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._compiler: Any = None
        self._scratch = tempfile.mkdtemp(prefix="portcullis-build-")
        if self.target_name != "wheel":
            return
        if version == "editable":  # compiled modules beside the sources would shadow the files being edited
            return
        if _forced_pure():
            self.app.display_info(f"mcp-portcullis: {PURE_VARIABLE} is set: the classifier is not compiled")
            self._record(build_data, "pure Python", f"built with {PURE_VARIABLE}=1")
            return
        self.app.display_info("mcp-portcullis: compiling the classifier with mypyc (a minute or two)")
        try:
            from hatch_mypyc.plugin import MypycBuildHook

            compiler = MypycBuildHook(
                self.root,
                self.config,
                self.build_config,
                self.metadata,
                self.directory,
                self.target_name,
                self.app,
            )
            compiled = dict(build_data, artifacts=list(build_data["artifacts"]))
            compiled["force_include"] = dict(build_data["force_include"])
            compiler.initialize(version, compiled)
        except Exception as exc:  # whatever failed, the install goes on with the pure-Python classifier
            self._compiler = None
            self._clean_tree(version)
            what = _what_failed(str(exc)) or type(exc).__name__
            self.app.display_warning(
                "WARNING: mcp-portcullis: the classifier could not be compiled with mypyc; this wheel is pure "
                f"Python (slower, the same answers). What failed:\n{what}\n{_HOW}."
            )
            self._record(build_data, "pure Python", f"its build could not compile it: {_reason(str(exc)) or what}")
            return
        self._compiler = compiler
        build_data.update(compiled)
        self.app.display_info("mcp-portcullis: the classifier is compiled (mypyc)")
        self._record(build_data, "compiled (mypyc)", "")

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """The compiled modules are in the wheel now: none is left in the source tree."""
        if self._compiler is not None:
            self._compiler.clean([version])
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _clean_tree(self, version: str) -> None:
        """Remove whatever a failed compile left beside the sources (it would shadow them)."""
        try:
            from hatch_mypyc.plugin import MypycBuildHook

            MypycBuildHook(
                self.root, self.config, self.build_config, self.metadata, self.directory, self.target_name, self.app
            ).clean([version])
        except Exception:  # hatch-mypyc missing: it wrote nothing
            return

    def _record(self, build_data: dict[str, Any], classifier: str, reason: str) -> None:
        path = os.path.join(self._scratch, "_build.json")
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"classifier": classifier, "reason": reason}, out)
        build_data["force_include"][path] = BUILD_INFO
