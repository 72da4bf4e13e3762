"""The built site in a real browser (headless Chromium through Playwright).

Every page loads without a JavaScript error and every link resolves; search, the user switcher,
the revision comparison and the performance-graphs page work; screenshots of the main pages are
saved under tests/_artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import pytest
import sitefixture

from hyperloop_gitops.site import BuildReport

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parents[1] / "_artifacts" / "screenshots"


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)


def _ids(path: Path) -> set[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.ids


def _links(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "a[href], link[href], script[src], img[src], form[action]",
        "els => els.map(e => e.href || e.src || e.action)",
    )


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_every_page_loads_without_errors_and_every_link_resolves(
    page: Any, site_url: str, built_site: BuildReport
) -> None:
    seen: set[str] = set()
    checked: dict[str, int] = {}
    queue = [urljoin(site_url, "index.html")]
    broken: list[str] = []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, url
        for link in _links(page):
            target, fragment = urldefrag(link)
            if not target.startswith(site_url):
                continue  # links out (the forge) are plain anchors, not crawled
            if fragment and target.endswith(".html"):
                local = built_site.output / target[len(site_url) :]
                if local.is_file() and fragment not in _ids(local):
                    broken.append(f"{url} -> {link} (no element #{fragment})")
            if target.endswith((".html", "/")):
                if target.split("?")[0] not in seen:
                    queue.append(target.split("?")[0])
            elif target not in checked:
                checked[target] = _status(target)
                if checked[target] != 200:
                    broken.append(f"{url} -> {link} ({checked[target]})")
    assert page.errors == []
    assert broken == []
    crawled = {u[len(site_url) :] for u in seen}
    built = {p.relative_to(built_site.output).as_posix() for p in built_site.output.rglob("*.html")}
    assert built - crawled == set(), "pages no link leads to"
    assert len(crawled) == built_site.pages


def test_search_finds_a_wagon(page: Any, site_url: str) -> None:
    page.goto(urljoin(site_url, "index.html"))
    page.fill("#search-q", "pt-spectrum")
    page.press("#search-q", "Enter")
    page.wait_for_url("**/search.html?q=pt-spectrum")
    results = page.locator("#search-results li a")
    assert results.all_inner_texts() == ["pwglf-spectra/pt-spectrum"]
    assert page.inner_text("#search-count") == "1 result for “pt-spectrum”."
    page.fill("#search-input", "LHC22o")
    names = page.locator("#search-results li a").all_inner_texts()
    assert "LHC22o_pass6" in names and "LHC22o_apass6_good" in names
    page.fill("#search-input", "pt-spectrum")
    page.click("#search-results li a")
    page.wait_for_url("**/wagons/pwglf-spectra/pt-spectrum.html")
    assert page.inner_text("h1") == "Wagon pwglf-spectra/pt-spectrum"
    assert page.errors == []


def _analyses_shown(page: Any) -> list[str]:
    return page.locator("section.my-analysis h2 a").all_inner_texts()


def test_user_switcher_changes_my_analyses(page: Any, site_url: str) -> None:
    page.goto(urljoin(site_url, "datasets.html"))
    assert page.get_attribute("#my-analyses-link", "href") == "users.html"
    page.select_option("#user-switcher", "alice")
    page.wait_for_url("**/users/alice.html")
    assert _analyses_shown(page) == ["pwglf-spectra"]
    page.select_option("#user-switcher", "bob")
    page.wait_for_url("**/users/bob.html")
    assert _analyses_shown(page) == ["pwghf-d0", "pwglf-spectra"]
    # The choice is remembered: My Analyses on any page now leads to bob's view.
    page.goto(urljoin(site_url, "wagons/pwglf-spectra/pt-spectrum.html"))
    assert page.get_attribute("#my-analyses-link", "href") == "../../users/bob.html"
    assert page.locator("#user-switcher").input_value() == "bob"
    page.click("#my-analyses-link")
    page.wait_for_url("**/users/bob.html")
    assert page.errors == []


def test_performance_graphs_draw_from_a_local_file(
    page: Any, site_url: str, tmp_path: Path
) -> None:
    metrics = sitefixture.perf_file(tmp_path / "performanceMetrics.json")
    page.goto(urljoin(site_url, "performance.html"))
    blank = page.evaluate("document.getElementById('perf-canvas').toDataURL()")
    page.set_input_files("#perf-file", str(metrics))
    status = page.locator("#perf-status")
    status.filter(has_text="Drew").wait_for()
    assert status.inner_text() == (
        "Drew proportionalSetSize for 3 of 3 devices (60 samples) from performanceMetrics.json."
    )
    assert page.evaluate("document.getElementById('perf-canvas').toDataURL()") != blank
    assert page.locator("#perf-legend .legend-item").all_inner_texts() == [
        "pt-spectrum",
        "internal-dpl-aod-reader",
        "event-selection",
    ]
    page.select_option("#perf-metric", "cpuUsedPercentage")
    assert status.inner_text().startswith("Drew cpuUsedPercentage for 3 of 3 devices")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "performance.png"), full_page=True)
    assert page.errors == []


def test_performance_graphs_reject_a_file_of_another_shape(
    page: Any, site_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2, 3]")
    page.goto(urljoin(site_url, "performance.html"))
    page.set_input_files("#perf-file", str(bad))
    status = page.locator("#perf-status")
    status.filter(has_text="Cannot").wait_for()
    assert status.inner_text() == (
        "Cannot read bad.json: expected an object of devices at the top level."
    )
    assert page.errors == []


def test_train_comparison(page: Any, site_url: str) -> None:
    page.goto(urljoin(site_url, "trains/T-20261124-0002.html"))
    rows = page.locator("#train-diff tr.changed th").all_inner_texts()
    assert rows == ["created", "finished", "duration (s)"]
    assert page.errors == []


MAIN_PAGES = {
    "dashboard": "index.html",
    "my-analyses": "users/alice.html",
    "all-analyses": "analyses.html",
    "analysis": "analyses/pwglf-spectra.html",
    "wagon": "wagons/pwglf-spectra/pt-spectrum.html",
    "datasets": "datasets.html",
    "dataset": "datasets/LHC22o_pass6.html",
    "runlists": "runlists.html",
    "submission": "submission.html",
    "trains": "trains.html",
    "train": "trains/T-20261124-0002.html",
    "notifications": "notifications.html",
    "search": "search.html?q=spectra",
}


def test_screenshots_of_the_main_pages_and_narrow_screens(browser: Any, site_url: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, suffix in ((1280, ""), (375, "-narrow")):
        context = browser.new_context(viewport={"width": width, "height": 800})
        tab = context.new_page()
        overflow = []
        for name, page_path in MAIN_PAGES.items():
            tab.goto(urljoin(site_url, page_path), wait_until="load")
            # Lazy images below the fold would be blank in a full-page screenshot.
            tab.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
            tab.wait_for_load_state("networkidle")
            if suffix and name in ("dashboard", "wagon", "train", "my-analyses"):
                tab.screenshot(path=str(SCREENSHOTS / f"{name}{suffix}.png"), full_page=True)
            elif not suffix:
                tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
            if suffix and tab.evaluate("document.documentElement.scrollWidth") > width + 1:
                overflow.append(name)
        context.close()
        assert overflow == [], f"pages wider than a {width}px screen"
    assert (SCREENSHOTS / "dashboard.png").stat().st_size > 10_000


def test_comparison_of_two_wagon_revisions(page: Any, site_url: str) -> None:
    page.goto(urljoin(site_url, "wagons/pwglf-spectra/pt-spectrum.html"))
    diff = page.locator("#revision-diff")
    assert diff.locator("p").inner_text() == "1 fields differ."
    assert diff.locator("tbody tr").all_inner_texts() == [
        "configuration.pt-spectrum.etaMax\t0.8\t0.7"
    ]
    page.select_option("#rev-b", "0")
    assert diff.locator("p").inner_text() == "The two revisions are identical."
    assert page.errors == []
