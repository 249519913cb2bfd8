"""JUnit XML for CI dashboards: one test case per design and metric, plus one per build."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from eqchip.fileio import write_bytes_atomic
from eqchip.regress.compare import MetricResult, Status, VersionChange, fmt


@dataclass(frozen=True)
class DesignOutcome:
    """What regress learned about one design: either results or the error that stopped it."""

    design: str
    results: list[MetricResult]
    error: str | None = None
    seconds: float = 0.0
    version_changes: tuple[VersionChange, ...] = ()     # tools / PDK differing from baseline


def junit_xml(outcomes: list[DesignOutcome], suite: str = "eqchip-regress") -> bytes:
    root = ET.Element("testsuites", name=suite)
    total = fails = errors = skipped = 0
    for out in outcomes:
        ts = ET.SubElement(root, "testsuite", name=f"{suite}.{out.design}")
        if out.version_changes:
            props = ET.SubElement(ts, "properties")
            for v in out.version_changes:
                ET.SubElement(props, "property", name=f"version changed: {v.name}",
                              value=f"{v.old or '-'} -> {v.new or '-'}")
        t = f = e = s = 0
        build = ET.SubElement(ts, "testcase", classname=f"regress.{out.design}", name="build",
                              time=f"{out.seconds:.3f}")
        t += 1
        if out.error is not None:
            err = ET.SubElement(build, "error", message=f"{out.design}: build failed",
                                type="BuildError")
            err.text = out.error
            e += 1
        for r in out.results:
            case = ET.SubElement(ts, "testcase", classname=f"regress.{out.design}",
                                 name=r.metric, time="0")
            t += 1
            if r.failed:
                node = ET.SubElement(case, "failure", message=r.explain(), type=r.status.name)
                node.text = r.explain()
                f += 1
            elif r.status == Status.EXCLUDED:
                reason = r.rule.exclude if r.rule else "excluded"
                ET.SubElement(case, "skipped", message=f"not compared: {reason}")
                s += 1
            ET.SubElement(case, "system-out").text = \
                f"old={fmt(r.old)} new={fmt(r.new)} status={r.status.value}"
        ts.set("tests", str(t))
        ts.set("failures", str(f))
        ts.set("errors", str(e))
        ts.set("skipped", str(s))
        total, fails, errors, skipped = total + t, fails + f, errors + e, skipped + s
    root.set("tests", str(total))
    root.set("failures", str(fails))
    root.set("errors", str(errors))
    root.set("skipped", str(skipped))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(path: Path, outcomes: list[DesignOutcome]) -> None:
    write_bytes_atomic(Path(path), junit_xml(outcomes))
