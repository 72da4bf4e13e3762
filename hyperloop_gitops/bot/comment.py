"""The pull-request comment, rendered from a ``PrView``: pure, deterministic markdown.

Order of reading: the verdict; what is wrong (validation, permissions); the wagon tests; who is
told and why; the plan; details folded. Text that comes from people (messages quoting YAML
values, log lines) is escaped so it can neither break the table nor mention anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hyperloop_gitops.bot import markdown as md
from hyperloop_gitops.bot.forge import COMMENT_MARKER
from hyperloop_gitops.bot.roles import mention
from hyperloop_gitops.bot.view import MARKS, PlanEntry, PrView, WagonTestRow
from hyperloop_gitops.diagnostics import Diagnostic, format_key_path

GITHUB_COMMENT_LIMIT = 65536
FOOTER = "Commands: `/hyperloop retest`, `/hyperloop plan`, `/hyperloop help`"
_LOG_TAIL_MAX = 3000
_CAPS: tuple[int | None, ...] = (None, 200, 60, 20, 5)


@dataclass(frozen=True)
class Verdict:
    mark: str
    headline: str


def verdict(view: PrView) -> Verdict:
    """The first line: can this be merged, and if not, the one thing that stops it."""
    errors = sum(d.is_error for d in view.diagnostics)
    tests = view.tests or ()
    failed = sum(t.state == "failed" for t in tests)
    pending = sum(t.state in ("queued", "running") for t in tests)
    warned = sum(t.state == "warning" for t in tests)
    if errors:
        return Verdict("💣", f"Not ready — {md.plural(errors, 'validation error')}")
    if failed:
        return Verdict("💣", f"Not ready — {md.plural(failed, 'wagon test')} failed")
    if view.permission_problems:
        files = md.plural(len(view.permission_problems), "file")
        return Verdict("⛔", f"Needs approval — {files} outside what @{view.author} may change")
    if pending:
        done = len(tests) - pending
        return Verdict("⏳", f"Testing — {done} of {md.plural(len(tests), 'wagon test')} done")
    trains = _plan_phrase(view.plan)
    if warned:
        passed = len(tests) - warned
        what = f"{md.plural(passed, 'wagon test')} passed, {warned} with a warning"
        if not passed:
            what = f"{md.plural(warned, 'wagon test')} passed with a warning"
        return Verdict("❗", f"Ready with warnings — {what}{trains}")
    if tests:
        return Verdict(
            "🌟", f"Ready to merge — {md.plural(len(tests), 'wagon test')} passed{trains}"
        )
    if view.tests is None:
        if view.affected:
            count = md.plural(len(view.affected), "affected wagon test")
            return Verdict("✅", f"Valid and permitted — {count} not run by this bot")
        return Verdict("✅", "Valid and permitted — no wagon test affected")
    return Verdict("🌟", f"Ready to merge — no wagon tests affected{trains}")


def render_comment(view: PrView, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """The whole comment, starting with the hidden marker, at most ``limit`` characters.

    When everything does not fit, long lists are shortened step by step (each says how many
    entries it left out); only if that is not enough is the text cut, and the comment says so.
    """
    for cap in _CAPS:
        text = _render(view, cap)
        if len(text) <= limit:
            return text
    notice = "\n\n**Comment truncated to fit GitHub's size limit.**\n"
    cut = text[: limit - len(notice) - len(FOOTER) - 8]
    if cut.count("```") % 2:
        cut += "\n```"
    return f"{cut}{notice}\n{FOOTER}\n"


def _render(view: PrView, cap: int | None) -> str:
    v = verdict(view)
    parts = [COMMENT_MARKER, f"### {v.mark} {v.headline}"]
    parts.append(f"<sub>for {view.head_sha[:7]} by @{view.author}</sub>")
    if view.changes:
        parts.append(_changes(view.changes))
    if view.diagnostics:
        parts.append(_diagnostics(view, cap))
    if view.permission_problems:
        parts.append(_permissions(view, cap))
    if view.tests:
        parts.append(_tests_table(view.tests, cap))
    elif view.tests is not None and not view.diagnostics and not view.affected:
        parts.append("No wagon test is affected by this change.")
    if view.affected:
        parts.append(_affected(view, cap))
    if view.mentions:
        parts.append(_mentions(view))
    if view.plan is not None:
        parts.append(_plan(view.plan, cap))
    details = _test_details(view.tests or (), cap)
    if details:
        parts.append(details)
    if view.notes:
        parts.append("\n>\n".join(f"> {md.text(n)}" for n in view.notes))
    if cap is not None:
        parts.append(
            "_This comment was shortened to fit GitHub's 65,536-character limit;"
            " `hyperloop bot local` prints it in full._"
        )
    parts.append(FOOTER)
    return "\n\n".join(parts) + "\n"


# -- sections -----------------------------------------------------------------------------


def _changes(changes: Sequence[str]) -> str:
    if len(changes) <= 3:
        return "**Changes:** " + "; ".join(md.text(c) for c in changes)
    lines = [f"<details><summary>Changes: {md.plural(len(changes), 'entity')}</summary>", ""]
    lines += [f"- {md.text(c)}" for c in changes]
    lines += ["", "</details>"]
    return "\n".join(lines)


def _diagnostics(view: PrView, cap: int | None) -> str:
    errors = sum(d.is_error for d in view.diagnostics)
    warnings = len(view.diagnostics) - errors
    counts = ", ".join(
        x
        for x in (
            md.plural(errors, "error") if errors else "",
            md.plural(warnings, "warning") if warnings else "",
        )
        if x
    )
    mark = "💣" if errors else "❗"
    lines = [f"#### {mark} Validation: {counts}", ""]
    shown, hidden = md.capped(view.diagnostics, cap)
    lines += [f"- {_diagnostic(view, d)}" for d in shown]
    if hidden:
        lines.append(f"- …and {hidden} more")
    return "\n".join(lines)


def _diagnostic(view: PrView, d: Diagnostic) -> str:
    url = f"{view.web_url}/{view.repo}/blob/{view.head_sha}/{d.file}"
    if d.line > 0:
        url += f"#L{d.line}"
    key = format_key_path(d.key_path)
    key_text = f" `{md.code(key)}`:" if key else ""
    return f"[`{md.code(d.where)}`]({url}) **{d.severity}**{key_text} {md.text(d.message)}"


def _permissions(view: PrView, cap: int | None) -> str:
    lines = [
        "#### ⛔ Permissions",
        "",
        f"@{view.author} may not change these files alone; an approving review by one of the"
        " people named clears each line:",
        "",
    ]
    shown, hidden = md.capped(view.permission_problems, cap)
    for p in shown:
        who = mention(p.approvers) if p.approvers else "nobody (the role is empty)"
        lines.append(f"- `{md.code(p.path)}` needs {p.needs}: {who}")
    if hidden:
        lines.append(f"- …and {hidden} more")
    return "\n".join(lines)


def _tests_table(tests: Sequence[WagonTestRow], cap: int | None) -> str:
    done = [t for t in tests if t.state in ("done", "warning")]
    reused = sum(t.reused for t in tests)
    title = f"#### Wagon tests: {len(done)} of {len(tests)} done"
    if reused:
        title += f" ({reused} reused from earlier identical tests)"
    lines = [
        title,
        "",
        "| | wagon | dataset | PSS max / avg | CPU | wall | throughput | output | whole dataset"
        " | notes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    shown, hidden = md.capped(tests, cap)
    lines += [_test_row(t) for t in shown]
    if hidden:
        lines.append(f"| | …and {hidden} more | | | | | | | | |")
    lines.append("")
    lines.append(
        "<sub>⌛ queued · ⏳ running · 🌟 done · ❗ done with a warning (needs an operator's"
        " approval to join a train) · 💣 failed · (±x) change against the base branch's last"
        " test</sub>"
    )
    return "\n".join(lines)


def _test_row(t: WagonTestRow) -> str:
    base = t.base
    pss = "–"
    if t.pss_max_gb is not None:
        unit, scale = ("GB", 1.0) if t.pss_max_gb >= 0.1 else ("MB", 1000.0)
        digits = 2 if unit == "GB" else 1
        pss = f"{t.pss_max_gb * scale:.{digits}f}"
        if t.pss_avg_gb is not None:
            pss += f" / {t.pss_avg_gb * scale:.{digits}f}"
        base_pss = base.pss_max_gb * scale if base and base.pss_max_gb is not None else None
        pss += f" {unit}" + md.delta(t.pss_max_gb * scale, base_pss, f"{{:+.{digits}f}}")
    cpu = "–"
    if t.cpu_s is not None:
        fmt = "{:+.0f} s" if t.cpu_s >= 10 else "{:+.1f} s"
        cpu = md.duration(t.cpu_s) + md.delta(t.cpu_s, base.cpu_s if base else None, fmt)
    wall = md.duration(t.wall_s) if t.wall_s is not None else "–"
    rate = f"{t.throughput_mb_s:.1f} MB/s" if t.throughput_mb_s is not None else "–"
    output = md.size_mb(t.output_mb) if t.output_mb is not None else "–"
    whole = "–"
    if t.dataset_cpu_years is not None:
        base_years = base.dataset_cpu_years if base else None
        whole = f"{t.dataset_cpu_years:.2f} CPU-y" + md.delta(
            t.dataset_cpu_years, base_years, "{:+.2f}"
        )
        if t.dataset_co2_kg is not None:
            whole += f" · {t.dataset_co2_kg:,.0f} kgCO2eq"
    notes = [md.text(w) for w in t.warnings]
    if t.state == "failed" and t.error:
        notes.insert(0, md.text(t.error))
    if t.reused:
        notes.append("reused")
    cells = [
        MARKS[t.state],
        f"`{md.code(t.wagon)}`",
        md.text(t.dataset),
        pss,
        cpu,
        wall,
        rate,
        output,
        whole,
        "<br>".join(notes),
    ]
    return "| " + " | ".join(cells) + " |"


def _affected(view: PrView, cap: int | None) -> str:
    count = md.plural(len(view.affected), "wagon test")
    run = "" if view.tests else " (not run by this bot)"
    lines = [f"<details><summary>Why: {count} this change calls for{run}</summary>", ""]
    # Tests that share their reasons are listed under them once: a dataset change re-tests
    # every wagon on it for the same reason.
    groups: dict[tuple[str, ...], list[str]] = {}
    for a in view.affected:
        what = f"`{md.code(a.wagon)}` on {md.text(a.dataset)} ({md.text(a.package)})"
        groups.setdefault(a.reasons, []).append(what)
    shown, hidden = md.capped(list(groups.items()), cap)
    for reasons, tests in shown:
        lines.append(f"- {'; '.join(md.text(r) for r in reasons) or 'requested'}:")
        lines += [f"  - {t}" for t in tests]
    if hidden:
        lines.append(f"- …and {hidden} more")
    lines += ["", "</details>"]
    return "\n".join(lines)


def _mentions(view: PrView) -> str:
    told: set[str] = set()
    lines = []
    retested = bool(view.tests)
    for m in view.mentions:
        new = [login for login in m.logins if login.lower() not in told]
        told.update(login.lower() for login in m.logins)
        who = " ".join(f"@{login}" for login in new)
        text = f"{who} — {md.text(m.reason)}" if who else f"Also: {md.text(m.reason)}"
        if m.wagons:
            shown, hidden = md.capped(m.wagons, 8)
            wagons = ", ".join(f"`{md.code(w)}`" for w in shown)
            if hidden:
                wagons += f" and {hidden} more"
            single = len(m.wagons) == 1
            noun = "your wagon" if single else "your wagons"
            if retested:
                text += f"; {noun} {wagons} {'is' if single else 'are'} being re-tested."
            else:
                text += f"; affects {noun} {wagons}."
        lines.append(text)
    return "\n\n".join(lines)


def _plan(plan: tuple[PlanEntry, ...], cap: int | None) -> str:
    submits = sum(e.action == "submit" for e in plan)
    if not plan:
        return "On merge: no train would be submitted."
    lines = [f"<details><summary>On merge: {md.plural(submits, 'train')} to submit"]
    waits = sum(e.action == "wait" for e in plan)
    kills = sum(e.action == "kill" for e in plan)
    if waits:
        lines[0] += f", {waits} waiting"
    if kills:
        lines[0] += f", {kills} to kill"
    lines[0] += "</summary>"
    lines += ["", "```"]
    shown, hidden = md.capped(plan, cap)
    for e in shown:
        lines += _plan_entry(e)
    if hidden:
        lines.append(f"…and {hidden} more")
    lines += ["```", "</details>"]
    return "\n".join(lines)


def _plan_entry(e: PlanEntry) -> list[str]:
    wagons = ", ".join(e.wagons)
    if e.action == "wait":
        return [f"~ waiting: {wagons} on {e.dataset}: {e.note}".rstrip(": ")]
    sign = "+" if e.action == "submit" else "-"
    head = f"{sign} {e.train_id or 'train'} on {e.dataset}"
    if e.tag:
        head += f" (tag {e.tag}"
        head += f", {e.target})" if e.target else ")"
    out = [md.fence_safe(head), md.fence_safe(f"    wagons: {wagons}")]
    estimate = []
    if e.cpu_years is not None:
        estimate.append(f"{e.cpu_years:.2f} CPU-years")
    if e.output_gb is not None:
        estimate.append(md.size_mb(e.output_gb * 1000))
    if e.co2_kg is not None:
        estimate.append(f"{e.co2_kg:,.0f} kgCO2eq")
    if estimate:
        line = "    estimate: " + " · ".join(estimate)
        if e.cpu_limit_years is not None and e.cpu_years is not None:
            within = "within" if e.cpu_years <= e.cpu_limit_years else "ABOVE"
            line += f" — {within} the {e.cpu_limit_years:g} CPU-year limit of this dataset"
        out.append(line)
    if e.note:
        out.append(md.fence_safe(f"    {e.note}"))
    return out


def _test_details(tests: Sequence[WagonTestRow], cap: int | None) -> str:
    troubled = [t for t in tests if t.state == "failed" or (t.log_tail and t.state == "warning")]
    if not troubled:
        return ""
    shown, hidden = md.capped(troubled, cap)
    lines = [
        f"<details><summary>Test details: {md.plural(len(troubled), 'test')} to look at</summary>"
    ]
    for t in shown:
        lines += ["", f"**{MARKS[t.state]} `{md.code(t.wagon)}` on {md.text(t.dataset)}**"]
        if t.error:
            lines.append(md.text(t.error))
        if t.log_tail:
            tail = t.log_tail[-_LOG_TAIL_MAX:]
            lines += ["", "```", md.fence_safe(tail), "```"]
    if hidden:
        lines += ["", f"…and {hidden} more"]
    lines += ["", "</details>"]
    return "\n".join(lines)


def _plan_phrase(plan: tuple[PlanEntry, ...] | None) -> str:
    if not plan:
        return ""
    submits = sum(e.action == "submit" for e in plan)
    if not submits:
        return ""
    return f", {md.plural(submits, 'train')} will be submitted on merge"
