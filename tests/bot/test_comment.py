"""The pull-request comment: exact output for a full view, verdicts, escaping and the size limit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hyperloop_gitops.bot.comment import FOOTER, render_comment, verdict
from hyperloop_gitops.bot.forge import COMMENT_MARKER
from hyperloop_gitops.bot.permissions import Problem
from hyperloop_gitops.bot.view import (
    AffectedTest,
    BaseMetrics,
    Mention,
    PlanEntry,
    PrView,
    WagonTestRow,
)
from hyperloop_gitops.diagnostics import Diagnostic

SHA = "0123456789abcdef0123456789abcdef01234567"
JPSI = WagonTestRow(
    "pwgdq-jpsi/jpsi-ee",
    "LHC22o_pass6",
    "done",
    1.41,
    1.22,
    51,
    58,
    17.6,
    14.2,
    0.78,
    41,
    base=BaseMetrics(1.33, 48, 0.75),
)
TIGHT = WagonTestRow(
    "pwgdq-jpsi/jpsi-ee:tight",
    "LHC22o_pass6",
    "done",
    1.38,
    1.2,
    49,
    55,
    18.1,
    9,
    0.75,
    40,
    reused=True,
)
PSI2S = WagonTestRow(
    "pwgdq-jpsi/psi2s",
    "LHC22o_pass6",
    "warning",
    2.31,
    1.64,
    63,
    70,
    14.0,
    22,
    0.96,
    51,
    warnings=("leak: max PSS 2.31 GB is 41% above average 1.64 GB (rule: at most 30%)",),
)
TRAIN = PlanEntry(
    "submit",
    "LHC22o_pass6",
    ("jpsi-ee", "jpsi-ee:tight"),
    "daily-20261127-0000-1",
    "Grid single core",
    None,
    1.53,
    1200,
    81,
    6,
)


def view(**changes: object) -> PrView:
    base = PrView(repo="octo/config", head_sha=SHA, author="bob", plan=())
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


FULL = view(
    diagnostics=(
        Diagnostic(
            "config/analyses/pwgdq-jpsi/wagons/jpsi-ee.yaml",
            14,
            7,
            "warning",
            "expected a number, found 'two' | @alice",
            ("configuration", "dq-table-reader", "cfgPtMin"),
        ),
    ),
    permission_problems=(
        Problem("config/datasets/LHC22o_pass6.yaml", "an operator", ("olga", "@org/ops")),
    ),
    changes=("wagon pwgdq-jpsi/jpsi-ee modified", "dataset LHC22o_pass6: exclude list changed"),
    tests=(
        JPSI,
        TIGHT,
        PSI2S,
        WagonTestRow(
            "pwgdq-jpsi/bad",
            "LHC22o_pass6",
            "failed",
            error="exit code 1",
            log_tail="Traceback...\nValueError: boom",
        ),
        WagonTestRow("pwgdq-jpsi/later", "LHC22o_pass6", "queued"),
    ),
    mentions=(
        Mention(
            ("alice", "bob"),
            "LHC22o_pass6's exclude list changed (runs 526712, 526713 removed)",
            ("pwgdq-jpsi/jpsi-ee", "pwgcf-flow/v2-gap"),
        ),
    ),
    plan=(
        TRAIN,
        PlanEntry(
            "wait",
            "LHC22o_pass6",
            ("pwgem-photons/pcm-qa",),
            note="package from pull request #12345, not yet in a tag",
        ),
    ),
    notes=("Plan of trains: not computed (the reconciler is not available in this build).",),
)

EXPECTED = (Path(__file__).parent / "expected" / "full_comment.md").read_text(encoding="utf-8")


def test_full_comment_exactly() -> None:
    assert render_comment(FULL) == EXPECTED


def test_verdicts_in_order_of_severity() -> None:
    error = Diagnostic("config/datasets/x.yaml", 3, 1, "error", "runlist 'y' does not exist")
    failed = dataclasses.replace(JPSI, state="failed")
    problem = Problem("config/hyperloop.yaml", "an admin", ("alice",))
    assert verdict(view(diagnostics=(error, error), tests=(failed,))).headline == (
        "Not ready — 2 validation errors"
    )
    assert verdict(view(tests=(failed, JPSI), permission_problems=(problem,))).headline == (
        "Not ready — 1 wagon test failed"
    )
    assert verdict(view(tests=(JPSI,), permission_problems=(problem,))) == verdict(
        view(permission_problems=(problem,))
    )
    assert verdict(view(permission_problems=(problem,))).headline == (
        "Needs approval — 1 file outside what @bob may change"
    )
    running = dataclasses.replace(JPSI, state="running")
    assert verdict(view(tests=(JPSI, running, TIGHT))).headline == (
        "Testing — 2 of 3 wagon tests done"
    )
    assert verdict(view(tests=(JPSI, PSI2S), plan=(TRAIN,))).headline == (
        "Ready with warnings — 1 wagon test passed, 1 with a warning,"
        " 1 train will be submitted on merge"
    )
    assert verdict(view(tests=(JPSI, TIGHT), plan=(TRAIN, TRAIN))).headline == (
        "Ready to merge — 2 wagon tests passed, 2 trains will be submitted on merge"
    )
    assert verdict(view()).mark + " " + verdict(view()).headline == (
        "🌟 Ready to merge — no wagon tests affected"
    )


def test_small_comment_exactly() -> None:
    assert render_comment(view(tests=(JPSI,), plan=None)) == (
        f"{COMMENT_MARKER}\n\n"
        "### 🌟 Ready to merge — 1 wagon test passed\n\n"
        "<sub>for 0123456 by @bob</sub>\n\n"
        "#### Wagon tests: 1 of 1 done\n\n"
        "| | wagon | dataset | PSS max / avg | CPU | wall | throughput | output | whole dataset"
        " | notes |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
        "| 🌟 | `pwgdq-jpsi/jpsi-ee` | LHC22o_pass6 | 1.41 / 1.22 GB (+0.08) | 51 s (+3 s) | 58 s"
        " | 17.6 MB/s | 14 MB | 0.78 CPU-y (+0.03) · 41 kgCO2eq |  |\n\n"
        "<sub>⌛ queued · ⏳ running · 🌟 done · ❗ done with a warning (needs an operator's"
        " approval to join a train) · 💣 failed · (±x) change against the base branch's last"
        " test</sub>\n\n"
        f"{FOOTER}\n"
    )


def test_unchanged_metrics_show_no_change() -> None:
    same = dataclasses.replace(JPSI, base=BaseMetrics(1.41, 51.2, 0.78))
    row = render_comment(view(tests=(same,))).splitlines()[10]
    assert "1.41 / 1.22 GB (±0) | 51 s (±0) |" in row
    assert "0.78 CPU-y (±0) ·" in row


def test_people_text_cannot_break_the_table_or_mention() -> None:
    row = dataclasses.replace(PSI2S, warnings=("a | b\nc <script> @carol",), dataset="LHC|x")
    text = render_comment(view(tests=(row,)))
    assert "| LHC\\|x |" in text
    assert "a \\| b c &lt;script&gt; @<!-- -->carol |" in text
    assert "@carol" not in text


def test_each_person_is_mentioned_once() -> None:
    text = render_comment(
        view(
            mentions=(
                Mention(("alice", "bob"), "runlist X changed", ("a/w",)),
                Mention(("Bob", "carol"), "dataset Y changed"),
                Mention(("alice",), "dataset Z changed", ("a/v", "a/x")),
            ),
            tests=(JPSI,),
        )
    )
    assert "@alice @bob — runlist X changed; your wagon `a/w` is being re-tested." in text
    assert "\n@carol — dataset Y changed\n" in text
    assert "\nAlso: dataset Z changed; your wagons `a/v`, `a/x` are being re-tested.\n" in text
    untested = render_comment(view(mentions=(Mention(("alice",), "runlist X changed", ("a/w",)),)))
    assert "@alice — runlist X changed; affects your wagon `a/w`.\n" in untested
    assert text.count("@bob") == 2  # the mention, and "by @bob" under the verdict


def test_diagnostic_without_line_links_the_file() -> None:
    d = Diagnostic("config/runlists/r.yaml", 0, 0, "error", "file name must be 'r2.yaml'")
    text = render_comment(view(diagnostics=(d,)))
    assert (
        f"- [`config/runlists/r.yaml`](https://github.com/octo/config/blob/{SHA}/config/runlists/"
        "r.yaml) **error** file name must be 'r2.yaml'"
    ) in text


def test_a_huge_comment_is_shortened_and_says_so() -> None:
    errors = tuple(
        Diagnostic(f"config/analyses/a/wagons/w{i}.yaml", i + 1, 1, "error", "x" * 200)
        for i in range(2000)
    )
    rows = tuple(dataclasses.replace(JPSI, wagon=f"a/w{i}") for i in range(2000))
    text = render_comment(view(diagnostics=errors, tests=rows))
    assert len(text) <= 65536
    assert "- …and 1940 more\n" in text  # 60 of 2000 diagnostics shown
    assert "| | …and 1940 more | | | | | | | | |" in text
    assert "_This comment was shortened to fit GitHub's 65,536-character limit;" in text
    assert text.endswith(f"{FOOTER}\n")


def test_the_last_resort_cut_still_fits_and_says_so() -> None:
    long = dataclasses.replace(JPSI, warnings=("w" * 10000,) * 9)
    text = render_comment(view(tests=(long,)), limit=5000)
    assert len(text) <= 5000
    assert text.endswith(f"**Comment truncated to fit GitHub's size limit.**\n\n{FOOTER}\n")


def test_affected_tests_grouped_by_reason() -> None:
    affected = (
        AffectedTest("a/w1", "D1", "tag t1", ("new wagon",)),
        AffectedTest("a/w2", "D1", "latest tag", ("D1 changed: files",)),
        AffectedTest("b/w3", "D1", "tag t1", ("D1 changed: files",)),
    )
    text = render_comment(view(affected=affected, tests=None, plan=None))
    assert "### ✅ Valid and permitted — 3 affected wagon tests not run by this bot\n" in text
    assert (
        "<details><summary>Why: 3 wagon tests this change calls for (not run by this bot)"
        "</summary>\n\n"
        "- new wagon:\n"
        "  - `a/w1` on D1 (tag t1)\n"
        "- D1 changed: files:\n"
        "  - `a/w2` on D1 (latest tag)\n"
        "  - `b/w3` on D1 (tag t1)\n\n"
        "</details>\n"
    ) in text
