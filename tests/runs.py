"""CI runs the suite twice, on SQLite and on PostgreSQL (.ci/run)."""

import os

import pytest

# A test that runs `coso` in a subprocess on SQLite files of its own, whatever DATABASE_URL
# says, tests the same thing on both runs: the SQLite run executes it, the PostgreSQL run
# (DATABASE_URL set to a postgres:// address) leaves it out instead of repeating it.
SQLITE_FILES_ONLY = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs coso on SQLite files of its own: the SQLite run of CI executes it",
)
