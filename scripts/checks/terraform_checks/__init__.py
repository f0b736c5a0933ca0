"""The Python half of scripts/checks/terraform.sh, one module per job, each run as
`python -m terraform_checks.<module> ARGS...` with scripts/checks on PYTHONPATH: the checkov
summary (any Python 3), and the emulator's override file, state bucket and read-back (the moto
venv's Python, which has boto3).
"""
