"""The HTML reports in a real browser: headless Chromium prints each one to PDF.

The check, diff (with measured outputs) and drift reports of a real git
repository are printed on A4 and on Letter, and the PDFs are read back as a
reader gets them: every chart's legend is there, no page ends with a heading,
every recipe's sha256 and commit are in the audit trail, and every page
carries the running title and its page number.

Skipped when no Chromium is installed (Debian's `chromium` package; `.ci/run`
installs it). With CEXACT_SCREENSHOT_DIR set, a screenshot and the PDFs of
each report are kept there, to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTPage, LTTextLine

from cexact.cli import main
from tests.conftest import SAMPLE_LINES
from tests.git_repos import CHILD_A, GitRepoBuilder, build_transfer_repo

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM = next((found for name in BROWSERS if (found := shutil.which(name))), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed")

PAPERS = {"A4": 842.0, "letter": 792.0}
"""Paper sizes the reports are printed on, and their page height in points."""
MARGIN_BOX_DEPTH = 45.0
"""Points from the top and bottom edge within which only the @page margin boxes print."""
TODAY = "2026-12-03"
CASES = [(name, paper) for name in ("check", "diff", "drift", "impact") for paper in PAPERS]


@dataclass(frozen=True)
class Report:
    name: str
    html: Path
    json: Path
    command: tuple[str, ...]


@dataclass(frozen=True)
class PrintedLine:
    text: str
    top: float
    bottom: float
    left: float


def _squeezed(text: str) -> str:
    """Text without whitespace or ligatures: PDF text extraction keeps neither reliably."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


class Headings(HTMLParser):
    """The text of every h1-h4 of a page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._open = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "h4"):
            self._open = True
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4"):
            self._open = False

    def handle_data(self, data: str) -> None:
        if self._open:
            self.found[-1] += data


def _run(*args: str | Path) -> None:
    code = main([str(arg) for arg in args])
    assert code in (0, 1), args


def _repository_with_the_sample_lines(root: Path) -> Path:
    repository = GitRepoBuilder(root)
    shutil.copytree(SAMPLE_LINES, root / "sample_lines")
    repository.commit("The sample lines")
    return root / "sample_lines"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """The check, diff, drift and impact reports, each in HTML and in JSON (the expected
    provenance)."""
    out = tmp_path_factory.mktemp("reports")
    lines = _repository_with_the_sample_lines(tmp_path_factory.mktemp("repo") / "recipes")
    root = lines.parent
    drift_repo = build_transfer_repo(tmp_path_factory.mktemp("drift") / "lines")
    runs = {
        "check": (root, ["check", "sample_lines", "--today", TODAY, "--jobs", "1",
                         "--measurements", "sample_lines/measurements"]),
        "diff": (lines, ["diff", "cell-4680/mother.yaml", "cell-4680/arizona-us.yaml",
                         "--today", TODAY, "--measurements", "measurements"]),
        "drift": (drift_repo.root, ["drift", CHILD_A]),
        "impact": (root, ["impact", "sample_lines/cell-4680/proposals/mother-3.5.yaml",
                          "sample_lines", "--today", TODAY]),
    }  # fmt: skip
    found: dict[str, Report] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CEXACT_CACHE_DIR", str(out / "cache"))
        for name, (folder, args) in runs.items():
            patch.chdir(folder)
            report = Report(name, out / f"{name}.html", out / f"{name}.json", ("cexact", *args))
            _run(*args, "-f", "html", "-o", report.html)
            _run(*args, "-f", "json", "-o", report.json)
            found[name] = report
    return found


def _print(html: Path, paper: str, folder: Path) -> Path:
    """`html` printed by headless Chromium on `paper` (the report fixes no paper size)."""
    sized = folder / f"{html.stem}-{paper}.html"
    page = f"<style>@page {{ size: {paper}; }}</style></head>"
    sized.write_text(html.read_text(encoding="utf-8").replace("</head>", page, 1), "utf-8")
    pdf = folder / f"{html.stem}-{paper}.pdf"
    profile = folder / sized.stem
    _chromium(profile, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", sized.as_uri())
    return pdf


def _chromium(profile: Path, *args: str) -> None:
    """One headless Chromium run, with a profile of its own (runs may overlap)."""
    assert CHROMIUM is not None
    completed = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]


def _pages(pdf: Path) -> Iterator[tuple[float, list[PrintedLine]]]:
    """Each page's height and its lines of text, top to bottom."""
    for page in extract_pages(pdf):
        assert isinstance(page, LTPage)
        lines: list[PrintedLine] = []
        pending = list(page)
        while pending:
            item = pending.pop()
            if isinstance(item, LTTextLine):
                lines.append(PrintedLine(item.get_text().strip(), item.y1, item.y0, item.x0))
            elif hasattr(item, "__iter__"):
                pending.extend(item)
        lines.sort(key=lambda line: (-round(line.top), line.left))
        yield page.height, [line for line in lines if line.text]


@pytest.fixture(scope="module")
def printed(
    reports: dict[str, Report], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], list[tuple[float, list[PrintedLine]]]]:
    folder = tmp_path_factory.mktemp("printed")
    keep = os.environ.get("CEXACT_SCREENSHOT_DIR")
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:  # each print is a process
        pdfs = {
            (name, paper): pool.submit(_print, reports[name].html, paper, folder)
            for name, paper in CASES
        }
        if keep:
            for name, report in reports.items():
                shot = Path(keep) / f"{name}.png"
                window = "--window-size=1280,1600"
                pool.submit(
                    _chromium, folder / name, window, f"--screenshot={shot}", report.html.as_uri()
                ).result()
    pages = {}
    for case, future in pdfs.items():
        pdf = future.result()
        pages[case] = list(_pages(pdf))
        if keep:
            shutil.copy(pdf, Path(keep) / pdf.name)
    return pages


def _printed_text(pages: list[tuple[float, list[PrintedLine]]]) -> str:
    return _squeezed(" ".join(line.text for _, lines in pages for line in lines))




@pytest.mark.parametrize(("name", "paper"), CASES)
def test_every_page_has_the_running_title_and_its_number(
    printed: dict[tuple[str, str], list[tuple[float, list[PrintedLine]]]], name: str, paper: str
) -> None:
    pages = printed[(name, paper)]
    assert len(pages) >= 2
    for number, (height, lines) in enumerate(pages, 1):
        assert height == pytest.approx(PAPERS[paper], abs=1)
        top, bottom = lines[0], lines[-1]
        assert top.bottom > height - MARGIN_BOX_DEPTH
        assert _squeezed(top.text).startswith(f"cexact{name}:")
        assert bottom.top < MARGIN_BOX_DEPTH
        assert bottom.text == f"Page {number} of {len(pages)}"


@pytest.mark.parametrize(("name", "paper"), CASES)
def test_no_page_ends_with_a_heading(
    reports: dict[str, Report],
    printed: dict[tuple[str, str], list[tuple[float, list[PrintedLine]]]],
    name: str,
    paper: str,
) -> None:
    headings = {_squeezed(h) for h in Headings(reports[name].html.read_text("utf-8")).found}
    assert len(headings) >= 3
    for number, (height, lines) in enumerate(printed[(name, paper)], 1):
        content = [
            line
            for line in lines
            if line.bottom > MARGIN_BOX_DEPTH and line.top < height - MARGIN_BOX_DEPTH
        ]
        last = _squeezed(content[-1].text)
        assert last not in headings, f"page {number} of the {name} report ends with {last!r}"


@pytest.mark.parametrize("paper", PAPERS)
def test_every_chart_prints_its_legend(
    reports: dict[str, Report],
    printed: dict[tuple[str, str], list[tuple[float, list[PrintedLine]]]],
    paper: str,
) -> None:
    for name in ("check", "diff"):
        text = _printed_text(printed[(name, paper)])
        for label in ("open,atarequiredstage", "open,abovetherequiredstage", "deviations(count)"):
            assert label in text, (name, label)
        document = json.loads(reports[name].json.read_text("utf-8"))
        sites = document["sites"] if name == "check" else [document]
        charts = sum(
            1
            for site in sites
            if site["matching"]
            for output in site["matching"]["outputs"]
        )
        assert charts >= 5
        # One legend per distribution chart: mother, child, spec limits, target.
        assert text.count("speclimits") == charts, name
        assert text.count("mother") >= charts and text.count("child") >= charts


@pytest.mark.parametrize(("name", "paper"), CASES)
def test_the_printed_audit_trail_names_every_recipe_and_its_commit(
    reports: dict[str, Report],
    printed: dict[tuple[str, str], list[tuple[float, list[PrintedLine]]]],
    name: str,
    paper: str,
) -> None:
    document = json.loads(reports[name].json.read_text("utf-8"))
    if name == "check":
        recipes = [r for site in document["sites"] for r in (site["mother"], site["child"])]
        applied = [*document["projects"], *document["waiver_files"]]
    elif name == "diff":
        recipes = [document["mother"], document["child"]]
        applied = [document["project_file"], *document["waiver_files"]]
    elif name == "impact":
        recipes = [document["current"], document["proposed"]]
        recipes += [site["before"]["child"] for site in document["sites"]]
        applied = [document["sites"][0]["before"]["project_file"]]
    else:
        recipes = [document["child"], document["mother_then"], document["mother_now"]]
        applied = []
    text = _printed_text(printed[(name, paper)])
    assert recipes
    for recipe in recipes:
        assert re.fullmatch(r"[0-9a-f]{40}", recipe["commit"] or ""), recipe
        assert recipe["dirty"] is False
        assert recipe["sha256"] in text
        assert recipe["commit"] in text
    for file in applied:
        assert file["sha256"] in text
    assert "Commandline" + _squeezed(" ".join(reports[name].command)) in text
