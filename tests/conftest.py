"""Make the app importable as `sales_process` when pytest is run as plain `pytest`
(`python -m pytest` already puts the current directory on sys.path)."""

import sys
from pathlib import Path

REPO_ROOT = str(Path(__file__).resolve().parent.parent)
if REPO_ROOT not in sys.path:
	sys.path.insert(0, REPO_ROOT)
