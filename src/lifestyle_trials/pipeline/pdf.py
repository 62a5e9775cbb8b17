"""The print-ready PDF of a report: the HTML printed by headless Chromium.

Journals and regulators ask for PDF. The HTML report carries its own print styles (A4,
figures kept whole, tables not split across pages where they fit), so printing it with
Chromium gives the PDF. Chromium is optional: where it is not installed, :func:`print_pdf`
says so and writes nothing, and ``make report`` goes on with the HTML alone. The PDF holds
the printing date, so it is not one of the outputs ``make verify`` compares.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import LifestyleTrialsError

__all__ = ["FLAGS", "find_chromium", "print_pdf"]

FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-pdf-header-footer",
)
"""Chromium's flags: headless, no network of its own, no first-run pages, no page headers."""


def find_chromium() -> str | None:
    """The Chromium binary: ``$CHROMIUM``, ``/usr/bin/chromium`` or ``chromium`` on PATH.

    Returns
    -------
    str or None
        The path, or None when none is installed.
    """
    named = os.environ.get("CHROMIUM")
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_pdf(
    html: Path, output: Path, *, browser: str | None = None, timeout: float = 180.0
) -> bool:
    """Print ``html`` to ``output`` (PDF) with headless Chromium.

    Parameters
    ----------
    html : Path
        The report, ``reports/<id>/index.html``.
    output : Path
        The PDF to write (through a temporary file; an existing PDF is replaced only by a
        complete new one).
    browser : str, optional
        The Chromium binary (default: :func:`find_chromium`).
    timeout : float
        Seconds to wait for Chromium.

    Returns
    -------
    bool
        True when the PDF was written; False when Chromium is not installed (nothing is
        written).

    Raises
    ------
    LifestyleTrialsError
        Chromium ran but did not write a PDF (its message is included).
    """
    browser = browser or find_chromium()
    if browser is None:
        return False
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    with tempfile.TemporaryDirectory(prefix="lifestyle-trials-chromium-") as profile:
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={tmp.resolve()}",
            Path(html).resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            tmp.unlink(missing_ok=True)
            raise LifestyleTrialsError(
                f"{html}: Chromium did not finish printing within {timeout:.0f} s"
            ) from None
    if not tmp.is_file() or tmp.read_bytes()[:5] != b"%PDF-":
        tmp.unlink(missing_ok=True)
        message = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise LifestyleTrialsError(
            f"{html}: Chromium ({browser}) wrote no PDF (exit status {done.returncode}): "
            + " / ".join(message)
        )
    os.replace(tmp, output)
    return True
