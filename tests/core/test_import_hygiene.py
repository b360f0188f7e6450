"""The domain is plain Python, and start-up does not pay for heavy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("textual", "sqlmodel", "sqlalchemy", "cv2", "pyzbar", "zxingcpp", "reportlab", "numpy")


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, timeout=60, check=True).stdout
    return {name.split(".")[0] for name in out.split()}


def test_domain_imports_nothing_heavy() -> None:
    modules = sorted(p.stem for p in (ROOT / "floor_app" / "domain").glob("*.py")
                     if p.stem != "__init__")
    assert "matching" in modules and "barcodes" in modules
    code = "\n".join(f"import floor_app.domain.{m}" for m in modules)
    leaked = loaded_after(code) & set(HEAVY)
    assert not leaked, f"floor_app.domain pulls in {sorted(leaked)}"


@pytest.mark.parametrize("module", ["floor_app.cli"])
def test_cli_parser_stays_light(module: str) -> None:
    leaked = loaded_after(f"import {module}; {module}.build_parser()") & {
        "cv2", "pyzbar", "zxingcpp", "reportlab", "numpy", "textual", "fastapi", "uvicorn"}
    assert not leaked, f"building the CLI parser imports {sorted(leaked)}"


def test_import_linter_contracts_hold() -> None:
    exe = Path(sys.executable).parent / "lint-imports"
    assert exe.exists(), "import-linter is missing: run `make setup`"
    proc = subprocess.run([str(exe)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
