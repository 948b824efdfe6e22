import sys
from pathlib import Path

# tests/smtpserver.py is shared between test folders; make it importable however pytest is started.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smtpserver import smtp_server  # noqa: F401
