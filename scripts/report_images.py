"""Make the page images docs/reports.md shows, from the demo company, so they are never hand-made or stale.

    .venv/bin/python scripts/report_images.py [--out docs/images]

Runs the demo (the small sample, its year), then draws: every page of the executive PDF in English,
German and Finnish (pdftoppm, 60 dpi), one customer statement in Finnish, and the accountant's HTML in headless
Chromium at 1024 × 900 px with the best customer's drill-down open. Needs the test extra (websocket-client),
poppler-utils and Chromium, as the tests do. Prints what it wrote.
"""

from __future__ import annotations

import argparse
import base64
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YEAR = ("--from", "2025-11-01", "--to", "2026-10-31")
DPI = "60"  # readable headings and figures; a page is about 100 kB


def run(*args: str) -> None:
    subprocess.run(args, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603 - our own tools, fixed args


def pages(pdf: Path, out: Path, stem: str) -> list[Path]:
    for old in out.glob(f"{stem}-*.png"):
        old.unlink()
    run("pdftoppm", "-r", DPI, "-png", str(pdf), str(out / stem))
    return sorted(out.glob(f"{stem}-*.png"))


def html_screenshot(page: Path, png: Path, profile: Path, open_id: str) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.reports.browser import Browser  # noqa: PLC0415 - the tests' own Chromium driver

    browser = Browser(profile)
    try:
        browser.call("Emulation.setDeviceMetricsOverride", width=1024, height=900, deviceScaleFactor=1, mobile=False)
        browser.open(page.as_uri() + f"#open={open_id}")
        browser.eval("document.getElementById('customers').scrollIntoView()")
        shot = browser.call("Page.captureScreenshot", format="png")
        png.write_bytes(base64.b64decode(shot["data"]))
        if browser.errors:
            raise SystemExit(f"the page wrote console errors: {browser.errors}")
    finally:
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    profitlens = str(Path(sys.executable).parent / "profitlens")
    with tempfile.TemporaryDirectory(prefix="profitlens-images-") as tmp:
        work = Path(tmp)
        run(profitlens, "demo", "--out", str(work / "demo"), "--format", "pdf,html")
        config = str(work / "demo" / "profitlens.toml")
        for lang, extra in (("de", ()), ("fi", ("--statement", "VIRTAN00001"))):
            pdf = ("--format", "pdf", "--lang", lang, *extra, "--out", str(work / lang))
            run(profitlens, "report", "--config", config, *YEAR, *pdf)
        written = pages(work / "demo" / "report.pdf", out, "summary-en")
        written += pages(work / "de" / "report.pdf", out, "summary-de")
        written += pages(work / "fi" / "report.pdf", out, "summary-fi")
        written += pages(work / "fi" / "statement-VIRTAN00001.pdf", out, "statement-fi")
        html = out / "accountant-1024.png"
        html_screenshot(work / "demo" / "report.html", html, work / "chromium", "%7CVIRTAN00001")
        written.append(html)
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
