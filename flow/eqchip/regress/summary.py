"""Human summaries of a regression run: terminal table rows and a Markdown report."""

from __future__ import annotations

from collections import Counter

from eqchip.regress.compare import MetricResult, Status, fmt, fmt_delta
from eqchip.regress.junit import DesignOutcome

COLUMNS = ("metric", "baseline", "now", "change", "status", "rule")


def shown(results: list[MetricResult], everything: bool = False) -> list[MetricResult]:
    """Rows worth a table: every metric with a rule (excluded ones too); metrics without a rule
    only if asked (`everything`), as they never decide a run."""
    if everything:
        return results
    return [r for r in results if r.rule is not None]


def unruled_changes(results: list[MetricResult]) -> list[MetricResult]:
    """Metrics without a rule that changed, appeared or vanished (information only)."""
    return [r for r in results if r.rule is None and r.status != Status.UNCHANGED]


def table_rows(results: list[MetricResult]) -> list[tuple[str, ...]]:
    rows = []
    for r in results:
        change = fmt_delta(r.old, r.new) if r.old is not None and r.new is not None \
            and r.old != r.new else ""
        status = r.status.value.upper() if r.failed else r.status.value
        rows.append((r.metric, fmt(r.old), fmt(r.new), change, status,
                     r.rule.describe() if r.rule else "-"))
    return rows


def counts(results: list[MetricResult]) -> str:
    c = Counter(r.status for r in results)
    return ", ".join(f"{c[s]} {s.value}" for s in Status if c[s])


def markdown(outcomes: list[DesignOutcome], commit: str) -> str:
    failed = [o.design for o in outcomes if o.error or any(r.failed for r in o.results)]
    lines = ["# eqchip PPA regression", "",
             f"commit `{commit}`: **{'FAIL' if failed else 'PASS'}**"
             + (f" ({', '.join(failed)})" if failed else ""), ""]
    for out in outcomes:
        lines += [f"## {out.design}", ""]
        if out.error is not None:
            lines += ["Build failed:", "", "```", out.error.strip(), "```", ""]
            continue
        lines += [counts(out.results), ""]
        changes = out.version_changes
        if changes:
            lines += ["Tool / PDK versions changed since the baseline:", ""]
            lines += [f"- `{v.name}`: {v.old or '-'} -> {v.new or '-'}" for v in changes]
            lines.append("")
        rows = [r for r in shown(out.results)
                if r.status not in (Status.UNCHANGED, Status.EXCLUDED)]
        if rows:
            lines += _md_table(rows)
        else:
            lines += ["All metrics with a rule unchanged.", ""]
        info = unruled_changes(out.results)
        if info:
            lines += ["<details><summary>" f"{len(info)} metrics without a rule changed "
                      "(information only)</summary>", ""]
            lines += _md_table(info)
            lines += ["</details>", ""]
    return "\n".join(lines)


def _md_table(results: list[MetricResult]) -> list[str]:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in table_rows(results)]
    return lines + [""]


def _md(text: str) -> str:
    return text.replace("|", "\\|")
