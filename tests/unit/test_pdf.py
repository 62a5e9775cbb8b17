"""The print-ready PDF: written by headless Chromium where installed, a note where not."""

from __future__ import annotations

import pytest

from lifestyle_trials.cli import main
from lifestyle_trials.pipeline.pdf import find_chromium, print_pdf


def test_without_chromium_nothing_is_written_and_the_step_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-such-browser"))
    assert find_chromium() is None
    html = tmp_path / "index.html"
    html.write_text("<!DOCTYPE html><html><body><p>Report</p></body></html>", encoding="utf-8")
    assert print_pdf(html, tmp_path / "index.pdf") is False
    assert main(["pdf", str(html), "-o", str(tmp_path / "index.pdf")]) == 0
    assert "Chromium is not installed" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.pdf*"))


@pytest.mark.skipif(find_chromium() is None, reason="needs Chromium")
def test_chromium_prints_the_page_to_pdf(tmp_path):
    html = tmp_path / "index.html"
    html.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head>"
        "<body><h1>Table 1. Baseline</h1></body></html>",
        encoding="utf-8",
    )
    out = tmp_path / "out" / "index.pdf"
    assert print_pdf(html, out) is True
    data = out.read_bytes()
    assert data[:5] == b"%PDF-" and b"%%EOF" in data[-1024:]
    assert not list(out.parent.glob("*.tmp"))
