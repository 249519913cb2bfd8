"""eqchip.regress: nightly PPA regressions against committed baselines, and their history.

Modules: metrics (flatten metrics.json / report.json), rules (the reviewed threshold rules
file), compare (one verdict per metric), baseline (committed baselines, explicit minimal-diff
updates), junit / summary (CI and human outputs), history / trend (append-only SQLite history,
trend table and plots), provenance (git commit, tool versions, PDK fingerprint), build_entry
(the call into `eqchip build` and the report), runner (the `eqchip regress` pipeline), errors.
See docs/regress.md.
"""
