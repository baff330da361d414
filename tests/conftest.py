from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from connector.sample.generate import generate


@pytest.fixture(scope="session")
def tiny_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny sample company (30 customers), generated once per test session."""
    path = tmp_path_factory.mktemp("sample") / "sample-gp-tiny.sqlite"
    generate(path, size="tiny", seed=7)
    return path


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "sample-gp-small.sqlite"
    generate(path, size="small", seed=7)
    return path


def pdf_text(path: Path) -> str:
    """The text of a PDF as pdftotext (poppler) reads it."""
    assert shutil.which("pdftotext"), "pdftotext is needed (Debian: poppler-utils)"
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


# CI must be repeatable: examples are derived from the test, not from a random seed. Run
# `pytest --hypothesis-profile=explore` to search with fresh random examples (and more of them).
from hypothesis import settings  # noqa: E402

settings.register_profile("default", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, max_examples=500, deadline=None)
settings.load_profile("default")
