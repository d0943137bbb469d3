"""The researcher notebooks run top to bottom against the current library."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.taxonomy import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
TIMEOUT_S = 300
# What each notebook needs beyond the library's core, so a half-built checkout skips, not fails.
NEEDS = {"03_review_outputs": ("pipeline.workbook",)}


def missing_modules(path: Path) -> list[str]:
    return [name for name in NEEDS.get(path.stem, ()) if importlib.util.find_spec(name) is None]


@pytest.fixture(scope="module")
def kernel() -> str:
    """The venv's own python3 kernel, installed into the venv if this machine lacks one."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--sys-prefix"],
            check=True,
            capture_output=True,
        )
    return KERNEL


def test_every_expected_notebook_is_there() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_corpus.ipynb",
        "02_train_evaluate.ipynb",
        "03_review_outputs.ipynb",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_errors(
    path: Path, kernel: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbclient
    import nbformat

    missing = missing_modules(path)
    if missing:
        pytest.skip(f"{path.name} runs the whole pipeline, which needs {', '.join(missing)}")
    # A fresh run of notebook 03, never a run folder that happens to be set in the shell.
    monkeypatch.delenv("UNTOC_RUN_DIR", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebooks' temp folders go with the test
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=TIMEOUT_S,
        kernel_name=kernel,
        resources={"metadata": {"path": str(tmp_path)}},
    )

    client.execute()  # raises CellExecutionError, naming the cell, on the first failure

    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, errors
