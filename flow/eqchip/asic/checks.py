"""SiliconCompiler's own pre-run checks of a project, without running it: the manifest check
(`Project.check_manifest`) and, per flow node, the task setup plus the check that every key the
task requires is set and every required file resolves (what SC's scheduler validates before it
starts a node; inputs that earlier nodes produce are not checked)."""

from __future__ import annotations


def node_problems(project, step: str, index: str = "0") -> list[str]:  # noqa: ANN001
    """Problems SC would report for node step/index before running it ([] when none)."""
    from siliconcompiler.scheduler import SchedulerNode

    node = SchedulerNode(project, step, index)
    try:
        if not node.setup():
            return []          # the task skips itself (e.g. metal fill disabled)
    except Exception as exc:  # noqa: BLE001 - SC raises many types from task setup
        return [f"{step}/{index}: setup failed: {type(exc).__name__}: {exc}"]
    with node.runtime():
        required = list(node.task.get("require"))
    if not required:
        return [f"{step}/{index}: task declared no required keys (setup did not run?)"]
    problems: list[str] = []
    for item in required:
        keypath = item.split(",")
        if not project.valid(*keypath):
            problems.append(f"{step}/{index}: cannot resolve [{item}]")
            continue
        param = project.get(*keypath, field=None)
        s, i = (None, None) if param.get(field="pernode").is_never() else (step, index)
        if not param.has_value(step=s, index=i):
            problems.append(f"{step}/{index}: no value for [{item}]")
            continue
        if param.is_path:
            found = project.find_files(*keypath, missing_ok=True, step=s, index=i)
            found = found if isinstance(found, list) else [found]
            if any(p is None for p in found):
                problems.append(f"{step}/{index}: file of [{item}] not found")
    return problems


def project_problems(project, steps: list[str]) -> list[str]:  # noqa: ANN001
    """check_manifest() plus node_problems() of every step in `steps`."""
    out: list[str] = []
    if not project.check_manifest():
        out.append("Project.check_manifest() failed (see SC's log)")
    for step in steps:
        out.extend(node_problems(project, step))
    return out
