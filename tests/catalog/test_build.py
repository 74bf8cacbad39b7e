"""Which build of the classifier runs is told as it is: compiled when the module loaded is a shared library, pure
Python otherwise, with the reason the wheel's build recorded; ``portcullis --version`` prints it."""

from __future__ import annotations

import pytest

import portcullis.catalog.classify as classify
from portcullis.catalog import build
from portcullis.cli import main


def test_the_build_told_is_the_module_loaded() -> None:
    compiled = (classify.__file__ or "").endswith((".so", ".pyd"))
    assert build.classifier_build() == (build.COMPILED if compiled else build.PURE)
    line = build.classifier_build_line()
    assert line.startswith(f"classifier: {build.classifier_build()}")


def test_a_pure_build_says_why_and_how_to_get_the_compiled_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "classifier_build", lambda: build.PURE)
    monkeypatch.setattr(build, "_build_reason", lambda: "its build could not compile it: no C compiler")
    line = build.classifier_build_line()
    assert line.startswith("classifier: pure Python (its build could not compile it: no C compiler;")
    assert "pip install ." in line


def test_version_prints_the_classifier_build(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["--version"])
    assert ended.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("portcullis 0.1.0\nclassifier: ")
    assert build.classifier_build() in out
