"""The replica settings on any database, without a replica: what DATABASE_REPLICA_URLS makes of
the configuration, and that without it nothing changes (tests/core/test_replicas.py runs
against a real replica)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse

from coso.core import replicas
from coso.units.models import Unit

PRINT_DATABASES = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'replicas': s.COSO_READ_REPLICAS, 'routers': s.DATABASE_ROUTERS,"
    " 'databases': {a: {k: d.get(k) for k in ('HOST', 'PORT', 'NAME', 'OPTIONS', 'TEST',"
    " 'DISABLE_SERVER_SIDE_CURSORS', 'CONN_MAX_AGE', 'CONN_HEALTH_CHECKS')}"
    " for a, d in s.DATABASES.items()}}))"
)


def _settings_with(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        # Neither the suite's replicas nor its connection age (the Makefile's 0).
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_REPLICA_URLS", "COSO_DB_CONN_MAX_AGE")
        },
        "DJANGO_SETTINGS_MODULE": "coso.settings",
        "COSO_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://coso:coso@127.0.0.1:5432/coso",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT_DATABASES],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_replica_urls_become_aliases_that_mirror_the_primary_in_tests(tmp_path: Path) -> None:
    done = _settings_with(
        tmp_path,
        DATABASE_REPLICA_URLS=" postgres://coso:x@10.0.0.2:5432/coso ,postgres://coso:x@r2/coso",
        COSO_DB_TRANSACTION_POOLING="1",
    )
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert config["replicas"] == ["replica1", "replica2"]
    assert config["routers"] == ["coso.core.replicas.ReplicaRouter"]
    first = config["databases"]["replica1"]
    assert (first["HOST"], first["PORT"], first["NAME"]) == ("10.0.0.2", 5432, "coso")
    assert first["OPTIONS"] == {"connect_timeout": 2, "tcp_user_timeout": 2000}
    assert first["TEST"] == {"MIRROR": "default"}
    assert config["databases"]["replica2"]["HOST"] == "r2"
    assert all(d["DISABLE_SERVER_SIDE_CURSORS"] for d in config["databases"].values())


def test_postgresql_keeps_its_connections_a_minute_and_sqlite_does_not(tmp_path: Path) -> None:
    """A kept connection saves its login (docs/PERFORMANCE.md, tenth session) and is checked
    before a request reuses it; COSO_DB_CONN_MAX_AGE still decides (`make pytest` sets 0)."""

    def kept(**env: str) -> list[tuple[int, bool]]:
        done = _settings_with(tmp_path, **env)
        assert done.returncode == 0, done.stderr
        databases = json.loads(done.stdout)["databases"].values()
        return [(d["CONN_MAX_AGE"], d["CONN_HEALTH_CHECKS"]) for d in databases]

    assert kept(DATABASE_REPLICA_URLS="postgres://coso:x@r1/coso") == [(60, True), (60, True)]
    assert kept(COSO_DB_CONN_MAX_AGE="0") == [(0, True)]
    assert kept(DATABASE_URL=f"sqlite:///{tmp_path}/coso.sqlite3") == [(0, True)]


def test_without_replica_urls_there_is_one_database(tmp_path: Path) -> None:
    done = _settings_with(tmp_path)
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert config["replicas"] == [] and list(config["databases"]) == ["default"]
    assert not config["databases"]["default"]["DISABLE_SERVER_SIDE_CURSORS"]


def test_a_replica_must_be_postgresql(tmp_path: Path) -> None:
    done = _settings_with(tmp_path, DATABASE_REPLICA_URLS=f"sqlite:///{tmp_path}/copy.sqlite3")
    assert done.returncode != 0 and "DATABASE_REPLICA_URLS" in done.stderr


def test_without_replicas_the_router_and_the_middleware_stay_out_of_the_way(cast: Any) -> None:
    router = replicas.ReplicaRouter()
    assert router.db_for_read(Unit) is None and router.db_for_write(Unit) is None
    assert router.allow_migrate("default", "units") is None
    client: Client = cast.client("officer")
    url = reverse("web:unit_rename", args=["B"])
    response = client.post(url, {"on": "01/07/2025", "decision_number": "QĐ", "name": "X"})
    assert response.status_code == 200
    assert replicas.STICKY_COOKIE not in response.cookies
