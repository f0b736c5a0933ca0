"""The Python half of scripts/checks/manifests.sh: one module per check, each run as
`python -m manifest_checks.<module> ARGS...` with scripts/checks on PYTHONPATH.

A check prints one line per problem, then a `DETAIL: ...` summary line, and exits 1 when it found
a problem (see report.py); manifests.sh's run_check shows the DETAIL line in its summary.
"""
