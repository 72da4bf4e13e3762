"""Building the site: pages, numbers, reproducibility, no external resources, feeds, CLI."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sitefixture
from click.testing import CliRunner

from hyperloop_gitops.cli import main
from hyperloop_gitops.site import BuildReport, SiteError, build_site

ATOM = "{http://www.w3.org/2005/Atom}"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _text(report: BuildReport, page: str) -> str:
    return (report.output / page).read_text(encoding="utf-8")


def _visible(html: str) -> str:
    """The page's text without tags, whitespace collapsed."""
    text = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def test_every_page_family_is_built(built_site: BuildReport) -> None:
    pages = {p.relative_to(built_site.output).as_posix() for p in built_site.output.rglob("*.html")}
    top = {p for p in pages if "/" not in p}
    assert top == {
        "index.html",
        "analyses.html",
        "datasets.html",
        "runlists.html",
        "submission.html",
        "trains.html",
        "notifications.html",
        "performance.html",
        "search.html",
        "users.html",
    }
    assert sorted(p for p in pages if p.startswith("trains/")) == [
        "trains/T-20261124-0001.html",
        "trains/T-20261124-0002.html",
        "trains/T-20261126-0003.html",
        "trains/T-20261127-0004.html",
    ]
    assert len([p for p in pages if p.startswith("wagons/")]) == 14
    assert len([p for p in pages if p.startswith("analyses/")]) == 6
    assert len([p for p in pages if p.startswith("datasets/")]) == 4
    assert "users/alice.html" in pages and "users/olga-op.html" in pages
    assert built_site.pages == len(pages) == 48


def test_dashboard_numbers(built_site: BuildReport) -> None:
    text = _visible(_text(built_site, "index.html"))
    assert "6 analyses · 14 wagons · 4 datasets · 3 runlists · 4 train runs · 4 wagon tests" in text
    assert "data as of 2026-11-27 09:00 UTC" in text
    # Only pt-spectrum on LHC22o_pass6 has a test that is done (phi-meson warned, jpsi-ee
    # failed), and trains 0001 and 0002 took it after that test: nothing waits for a train.
    assert "0 wagons waiting for a train" in text
    # 23 enabled (wagon, dataset) pairs, 6 of them the service wagons', which run only as
    # dependencies and are never tested on their own; of the other 17, 14 have no test result
    assert "14 wagons waiting for a test" in text
    assert "1 trains running" in text
    assert "1 jobs running" in text and "2 jobs waiting" in text
    assert "finished trains 2 wagon tests 4" in text
    # Trains done in the last week: 0001 (4h20m from creation) and 0002 (2h00m): mean 3h10m.
    assert "average completion time 3h10m" in text
    assert "average submission time 3m30s" in text
    assert "Grid single core 4 2 1 10 3 0" in text
    assert 'src="plots/dashboard-activity.svg"' in _text(built_site, "index.html")


def test_wagon_page_shows_configuration_side_by_side_tests_and_marks(
    built_site: BuildReport,
) -> None:
    html = _text(built_site, "wagons/pwglf-spectra/pt-spectrum.html")
    text = _visible(html)
    assert "pt-spectrum etaMax 0.7 0.5 0.9" in text  # base (after bob's commit), subwagons
    assert "pt-spectrum ptBins 100 bins in [0.0, 10.0] 100 bins in [0.0, 10.0]" in text
    assert html.count('<td class="changed">') == 2
    assert "🌟 done, no warning LHC22o_pass6 tag daily-20261127-0000-1 base, narrow-eta" in text
    assert (
        "420 MB PSS max 390 MB PSS avg 336 MB private max 44 s CPU 58 s wall time 1.74 MB/s "
        "throughput 101 MB input 1.3 MB output 77.7× reduction 0.665 whole dataset CPU-years "
        "620 GB whole dataset output 0.73 whole dataset kgCO2eq Fits: Grid single core" in text
    )
    assert "pt-spectrum heavy 30.8 s 70% 252 MB – internal-dpl-aod-reader 13.2 s 30% 168 MB" in text
    # Every number of TestResult.metrics is listed by name (the runner may add more).
    listed = re.search(r"All metrics \((\d+)\) (.*?) Test statistics", text)
    assert listed is not None
    assert int(listed.group(1)) >= 20
    for entry in (
        "cpu_s 44 s",
        "input_bytes 101 MB",
        "pss.max_bytes 420 MB",
        "reduction_factor 77.7×",
        "whole_dataset.output_bytes 620 GB",
    ):
        assert entry in listed.group(2)
    graphs = re.findall(r'<img src="../../(plots/[^"]+)" alt="([^"]+)"', html)
    devices = "event-selection, internal-dpl-aod-reader, pt-spectrum, track-selection"
    on = "of the test of pwglf-spectra/pt-spectrum on LHC22o_pass6"
    assert graphs == [
        (
            f"plots/tests/{sitefixture.PT_HASH}-proportionalSetSize.svg",
            f"PSS over time per device {on} (devices: {devices})",
        ),
        (
            f"plots/tests/{sitefixture.PT_HASH}-memoryPrivate.svg",
            f"private memory over time per device {on} (devices: {devices})",
        ),
        (
            f"plots/tests/{sitefixture.PT_HASH}-cpuUsedAbsolute.svg",
            f"total CPU time of the top devices {on} (devices: {devices})",
        ),
        (
            "plots/wagons/pwglf-spectra/pt-spectrum-stats-tests-pss.svg",
            "PSS max, PSS average and private memory max of the 2 tests of this wagon, "
            "oldest first",
        ),
        (
            "plots/wagons/pwglf-spectra/pt-spectrum-stats-tests-cpu-wall-throughput.svg",
            "CPU time, wall time and throughput of the 2 tests of this wagon, oldest first",
        ),
        (
            "plots/wagons/pwglf-spectra/pt-spectrum-stats-tests-output.svg",
            "Output size of the 2 tests of this wagon, oldest first",
        ),
    ]
    phi = _visible(_text(built_site, "wagons/pwglf-spectra/phi-meson.html"))
    assert "❗ leak: max PSS 2.31 GB is 41% above average 1.64 GB (rule: at most 30%)" in phi
    jpsi = _visible(_text(built_site, "wagons/pwgdq-dileptons/jpsi-ee.html"))
    assert "💣 failed LHC22o_pass6" in jpsi
    assert "exit code 3: segmentation violation" in jpsi


def test_train_page_plots_merged_output_against_the_previous_train(
    built_site: BuildReport,
) -> None:
    html = _text(built_site, "trains/T-20261124-0002.html")
    assert html.count('src="../plots/trains/T-20261124-0002/') == 2
    assert (
        'alt="Histogram event-selection/hVtxZ of train T-20261124-0002 overlaid with train '
        'T-20261124-0001: 3000 entries"' in html
    )
    first = _text(built_site, "trains/T-20261124-0001.html")
    assert 'alt="Histogram pt-spectrum/hPt of train T-20261124-0001: ' in first
    text = _visible(html)
    assert (
        "estimate 1.53 CPU-years · 1.2 TB output · 81.2 kgCO2eq · 4 jobs Train test 🌟 done, no "
        "warning · 2026-11-25 10:59 UTC · result f6f6f6f6f6 610 MB PSS max 520 MB PSS avg" in text
    )
    failed = _visible(_text(built_site, "trains/T-20261127-0004.html"))
    assert "❗ Needs an operator: more than 30% of jobs failed." in failed
    assert "pwglf-spectra/gone-wagon (no longer configured)" in failed


def test_submission_page_sums_expected_resources(built_site: BuildReport) -> None:
    text = _visible(_text(built_site, "submission.html"))
    # the service wagons (event and track selection) run only as dependencies: not listed
    assert "LHC22o_pass6 (6 wagons, automatic)" in text
    assert "service-common/event-selection" not in text
    # enabled by / since: the newest commit that enabled the wagon (alice created it enabled).
    assert (
        "🌟 pwglf-spectra/pt-spectrum pwglf-spectra alice 2026-11-20 tag daily-20261127-0000-1 "
        "0.665 390 MB 312 MB 0.665 " in text
    )
    assert "total 0.665 390 MB LHC22o_pass6_short (8 wagons, automatic)" in text
    assert (
        "❗ pwglf-spectra/phi-meson pwglf-spectra alice 2026-11-20 tag daily-20261120-0000-1 "
        "0.953 1.64 GB 1.31 GB 0.953" in text
    )


def test_two_builds_are_byte_identical(
    site_repo: Path, tmp_path: Path, built_site: BuildReport
) -> None:
    again = build_site(site_repo, tmp_path / "again", None)
    first, second = _files(built_site.output), _files(again.output)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.images_without_alt: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "action"):
            if values.get(name):
                self.refs.append((tag, name, values[name] or ""))
        if tag == "img" and not values.get("alt"):
            self.images_without_alt.append(values.get("src") or "")


def test_no_external_resources_relative_links_and_alt_text(built_site: BuildReport) -> None:
    problems = []
    for path in sorted(built_site.output.rglob("*.html")):
        parser = _Refs()
        parser.feed(path.read_text(encoding="utf-8"))
        name = path.relative_to(built_site.output).as_posix()
        for tag, attr, value in parser.refs:
            external = re.match(r"(https?:)?//", value)
            if external and tag != "a":
                problems.append(f"{name}: <{tag} {attr}={value}> loads an external resource")
            if value.startswith("/"):
                problems.append(f"{name}: <{tag} {attr}={value}> is not relative")
        problems += [
            f"{name}: <img src={src}> has no alt text" for src in parser.images_without_alt
        ]
    for path in built_site.output.rglob("*.css"):
        if re.search(r"url\(|@import", path.read_text()):
            problems.append(f"{path.name}: CSS loads something")
    for path in built_site.output.rglob("*.js"):
        if re.search(r"https?://", path.read_text()):
            problems.append(f"{path.name}: script names a URL")
    assert problems == []


def test_templates_autoescape(site_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(site_repo / "config", repo / "config")
    wagon = repo / "config/analyses/pwglf-spectra/wagons/pt-spectrum.yaml"
    wagon.write_text(
        wagon.read_text().replace(
            "description: Inclusive charged-particle transverse-momentum spectrum.",
            'description: "<script>alert(1)</script> & <b>bold</b>"',
        )
    )
    report = build_site(repo, tmp_path / "out", None)
    html = _text(report, "wagons/pwglf-spectra/pt-spectrum.html")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    index = (report.output / "static/search-index.js").read_text()
    assert "</script>" not in index and "<\\/script>" in index


def test_atom_feeds_are_valid(built_site: BuildReport) -> None:
    feeds = sorted((built_site.output / "feeds").glob("*.atom"))
    assert [f.stem for f in feeds][:3] == ["alice", "bob", "carol"]
    for feed in feeds:
        root = ET.parse(feed).getroot()
        assert root.tag == f"{ATOM}feed"
        assert root.findtext(f"{ATOM}id") == f"urn:hyperloop-gitops:notifications:{feed.stem}"
        assert root.find(f"{ATOM}author/{ATOM}name") is not None
        assert root.findtext(f"{ATOM}title") == f"Hyperloop notifications for {feed.stem}"
        assert root.findtext(f"{ATOM}updated") in {"2026-11-26T15:00:00Z", "2026-11-27T09:00:00Z"}
    alice = ET.parse(built_site.output / "feeds/alice.atom").getroot()
    entries = alice.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["dataset LHC22o_pass6 changed: size"]
    assert entries[0].findtext(f"{ATOM}content") == (
        "dataset LHC22o_pass6 changed: size (analyses pwgcf-flow, pwgdq-dileptons, "
        "pwglf-spectra, service-common; changed by olga-op)"
    )
    assert entries[0].findtext(f"{ATOM}updated") == "2026-11-26T15:00:00Z"
    link = entries[0].find(f"{ATOM}link")
    assert link is not None and link.get("href") == "../datasets/LHC22o_pass6.html"
    # grace is in pwghf-d0 and pwgud-upc only: nothing of hers is enabled on LHC22o_pass6.
    grace = ET.parse(built_site.output / "feeds/grace.atom").getroot()
    assert grace.findall(f"{ATOM}entry") == []
    assert grace.findtext(f"{ATOM}updated") == "2026-11-27T09:00:00Z"


def test_notifications_on_the_page_and_on_my_analyses(built_site: BuildReport) -> None:
    page = _visible(_text(built_site, "notifications.html"))
    assert (
        "2026-11-26 15:00 UTC dataset changed dataset LHC22o_pass6 changed: size pwgcf-flow , "
        "pwgdq-dileptons , pwglf-spectra , service-common alice , bob , carol , dave , erin , "
        "frank , hana-admin , olga-op olga-op" in page
    )
    alice = _visible(_text(built_site, "users/alice.html"))
    assert (
        "🔔 Notifications Atom feed 2026-11-26 15:00 UTC dataset changed dataset "
        "LHC22o_pass6 changed: size (pwgcf-flow, pwgdq-dileptons, pwglf-spectra, "
        "service-common)" in alice
    )
    grace = _visible(_text(built_site, "users/grace.html"))
    assert "No notifications for grace." in grace


def test_empty_sources_give_honest_empty_states(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(sitefixture.EXAMPLE_CONFIG, repo / "config")
    report = build_site(repo, tmp_path / "out", None)
    assert report.missing[0] == f"{repo} is not a git repository"
    assert f"no train runs yet (no state in {repo / '.hyperloop/state'})" in report.missing
    trains = _visible(_text(report, "trains.html"))
    assert f"No train runs yet (no state in {repo / '.hyperloop/state'})." in trains
    index = _visible(_text(report, "index.html"))
    assert "No activity recorded yet: no commits, tests or trains to plot." in index
    wagon = _visible(_text(report, "wagons/pwglf-spectra/pt-spectrum.html"))
    assert "No test results: no wagon test results in" in wagon
    assert not (report.output / "plots").exists()


def test_refuses_to_overwrite_a_folder_that_is_not_a_site(site_repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "documents"
    target.mkdir()
    (target / "thesis.tex").write_text("precious")
    with pytest.raises(SiteError) as error:
        build_site(site_repo, target, None)
    assert str(error.value) == (
        f"{target} is not empty and holds no site (no index.html): choose another folder"
    )
    assert (target / "thesis.tex").read_text() == "precious"


def test_cli_prints_where_the_site_is(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(sitefixture.EXAMPLE_CONFIG, repo / "config")
    out = tmp_path / "public"
    result = CliRunner().invoke(main, ["--repo", str(repo), "site", "build", "-o", str(out)])
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(
        r"Built 44 pages \(\d+ files\) in \d+\.\d\d s: "
        + re.escape((out / "index.html").resolve().as_uri()),
        last,
    ), last
    progress = result.stderr.splitlines()[:3]
    assert [re.sub(r"\(\d+\.\d\d s\)", "(T s)", line) for line in progress] == [
        "sources: 14 wagons, 0 test results, 0 trains, 0 entity histories (T s)",
        "pages: 44 HTML pages (0 of them trains), 10 Atom feeds, the search index (T s)",
        "graphs: 0 drawn, 0 from the cache (T s)",
    ]
    assert result.stderr.splitlines()[3:] == [
        f"note: {repo.resolve()} is not a git repository",
        f"note: no wagon test results in {repo.resolve() / '.hyperloop/tests'} or "
        f"{repo.resolve() / '.hyperloop/state/tests'}",
        f"note: no train runs yet (no state in {repo.resolve() / '.hyperloop/state'})",
    ]


def test_cli_quiet_prints_only_the_result(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(sitefixture.EXAMPLE_CONFIG, repo / "config")
    result = CliRunner().invoke(
        main, ["--repo", str(repo), "site", "build", "-q", "-o", str(tmp_path / "public")]
    )
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["note"] * 3
    assert result.stdout.startswith("Built 44 pages (")


def test_cli_reports_a_bad_output_folder_as_a_user_error(site_repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "documents"
    target.mkdir()
    (target / "notes.txt").write_text("x")
    result = CliRunner().invoke(
        main, ["--repo", str(site_repo), "site", "build", "-o", str(target)]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {target} is not empty and holds no site (no index.html): choose another folder\n"
    )


def test_history_with_field_level_diffs(built_site: BuildReport) -> None:
    text = _visible(_text(built_site, "wagons/pwglf-spectra/pt-spectrum.html"))
    assert (
        "updated 2026-11-24 09:30 UTC by Bob Brown (@bob)" in text
        and "pt-spectrum: narrower eta change field before after updated "
        "configuration.pt-spectrum.etaMax 0.8 0.7 created 2026-11-20 10:00 UTC by Alice Adams "
        "(@alice)"
        in text
    )
    dataset = _visible(_text(built_site, "datasets/LHC22o_pass6.html"))
    assert "by Olga Operator" in dataset and "updated size_tb 48.2 52.0" in dataset
