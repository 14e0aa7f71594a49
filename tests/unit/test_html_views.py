"""The HTML views, read as markup: drift's own view, identifiers that break only at
separators, escaping in every context, charts that keep their curves inside the plot,
and the audit record."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cexact.cli import main
from cexact.report.html_engine import breakable, css_string
from tests.conftest import ROOT, SAMPLE_LINES
from tests.git_repos import CHILD_A, build_transfer_repo

TODAY = "2026-12-03"


class Elements(HTMLParser):
    """Every element's tag, attributes and own text, in document order."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], list[str]]] = []
        self._open: list[int] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), []))
        if tag not in ("br", "wbr", "meta", "line", "rect", "polyline", "img"):
            self._open.append(len(self.elements) - 1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), []))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self.elements[self._open[-1]][0] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for index in self._open:
            self.elements[index][2].append(data)

    def text_of(self, tag: str, css: str | None = None) -> list[str]:
        return [
            "".join(parts)
            for name, attributes, parts in self.elements
            if name == tag and (css is None or css in (attributes.get("class") or "").split())
        ]

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attributes for name, attributes, _ in self.elements if name == tag]


def render(folder: Path, out: Path, *args: str) -> str:
    """`cexact ARGS -f html -o OUT` run in `folder`; the page."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        with contextlib.redirect_stdout(io.StringIO()):
            assert main([*args, "-f", "html", "-o", str(out)]) in (0, 1)
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def drift_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    repo = build_transfer_repo(tmp_path_factory.mktemp("drift") / "lines")
    return render(repo.root, repo.root.parent / "drift.html", "drift", CHILD_A)


@pytest.fixture(scope="module")
def diff_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    return render(
        SAMPLE_LINES, tmp_path_factory.mktemp("diff") / "diff.html",
        "diff", "cell-4680/mother.yaml", "cell-4680/arizona-us.yaml",
        "--measurements", "measurements", "--today", TODAY,
    )  # fmt: skip


def test_drift_has_its_own_view_before_after_pending_taken(drift_page: str) -> None:
    page = Elements(drift_page)
    assert page.text_of("title") == ["cexact drift: chandler against mother 1.0 → 1.2"]
    headers = page.text_of("th")
    assert "Before (mother 1.0)" in headers and "After (mother 1.2)" in headers
    assert "Mother" not in headers and "Child" not in headers
    statuses = page.text_of("td", "status")
    assert sorted(statuses) == ["pending", "pending", "taken", "taken"]
    assert "cexact diff" not in drift_page
    roles = [dd for dd in page.text_of("dd") if dd.startswith(("mother", "child"))]
    assert roles == ["mother as transferred (version 1.0)", "mother now (version 1.2)", "child"]


def test_identifiers_break_only_after_a_path_separator() -> None:
    assert breakable("steps[S050].outputs.electrode_density") == (
        "steps[S050]<wbr>.<wbr>outputs.<wbr>electrode_density"
    )
    # A piece with a hyphen is kept whole: browsers would break after the hyphen.
    assert breakable("fab-c-dresden.yaml:1032:9") == (
        '<span class="nowrap">fab-c-dresden.</span><wbr>yaml:<wbr>1032:<wbr>9'
    )
    assert breakable("limit 1.75 at 3.0.2") == "limit 1.75 at 3.0.2"  # numbers stay whole
    assert breakable("<b>&/x") == "&lt;b&gt;&amp;/<wbr>x"


def test_every_break_in_the_pages_follows_a_separator(diff_page: str, drift_page: str) -> None:
    for page in (diff_page, drift_page):
        page = page.replace("</span><wbr>", "<wbr>")
        breaks = [page[max(0, m.start() - 1)] for m in re.finditer("<wbr>", page)]
        assert breaks and set(breaks) <= set(".]/:")
        assert not re.search(r"\d<wbr>\.\d|\d\.<wbr>\d", page)


def test_a_css_string_cannot_be_left_whatever_the_text() -> None:
    hostile = '"; } body { display: none } </style><script>alert(1)</script>\n'
    literal = css_string(hostile)
    assert literal.startswith('"') and literal.endswith('"')
    assert re.fullmatch(r'"(?:[A-Za-z0-9]|\\[0-9a-f]{6})*"', literal)


def test_a_folder_name_cannot_break_the_page(tmp_path: Path) -> None:
    fleet = tmp_path / '"; } <style><b>&'
    shutil.copytree(SAMPLE_LINES / "cmos-gate", fleet / "cmos-gate")
    page_file = tmp_path / "check.html"
    text = render(tmp_path, page_file, "check", fleet.name, "--today", TODAY, "-j", "1")
    assert "<b>" not in text and "<style><b>" not in text
    page = Elements(text)
    assert page.text_of("h1") == [f"cexact check: {fleet.name}"]
    assert len(page.all("style")) == 1


def test_each_chart_has_a_legend_an_axis_with_units_and_its_curves_inside(
    diff_page: str,
) -> None:
    page = Elements(diff_page)
    figures = page.all("figure")
    assert len(figures) == 1 + 6  # the stage chart and one per measured output
    legends = page.text_of("ul", "legend")
    squeezed = ["".join(legend.split()) for legend in legends]
    assert squeezed.count("motherchildspeclimitstarget") == 6
    assert "coat_weight_side_a (mg/cm^2)" in page.text_of("text")
    assert "deviations (count)" in page.text_of("text")
    clips = {a["id"]: a for a in page.all("clippath")}
    assert len(clips) == 6
    for match in re.finditer(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
                             r'height="([\d.]+)"/></clipPath>', diff_page):  # fmt: skip
        left, top, width, height = map(float, match.groups())
        plot = diff_page[match.end() : diff_page.index("</g>", match.end())]
        for points in re.findall(r'points="([^"]+)"', plot):
            for pair in points.split():
                x, y = map(float, pair.split(","))
                assert left <= x <= left + width and top <= y <= top + height


def test_the_audit_record_is_complete(diff_page: str) -> None:
    page = Elements(diff_page)
    facts = dict(zip(page.text_of("dt"), page.text_of("dd"), strict=False))
    assert facts["Command line"].startswith("cexact diff cell-4680/mother.yaml ")
    kinds = page.text_of("td")
    assert "project file" in kinds and "waiver file" in kinds
    commits = page.text_of("dd", "commit")
    assert len(commits) == 2
    in_git = (ROOT / ".git").exists()
    for commit in commits:
        assert re.fullmatch(r"[0-9a-f]{40}", commit) if in_git else commit
    assert all(len(sha) == 64 for sha in page.text_of("code", "sha"))
    # Dates and timestamps in running text do not break at their hyphens.
    assert f'judged on <span class="nowrap">{TODAY}</span>' in diff_page
    stamp = r'generated <span class="nowrap">\d{4}-\d\d-\d\dT[\d:]+\+00:00</span>'
    assert re.search(stamp, diff_page)
