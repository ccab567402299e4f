"""Shared fixtures: a private PostgreSQL server for the whole session (surrnb.store.LocalPostgres), started only when a test asks for it."""
import uuid
import pytest
from surrnb.store import LocalPostgres, postgres_available

@pytest.fixture(scope="session")
def pg_server():
    "A PostgreSQL server in a temporary folder on a free loopback port; stopped and deleted after the session."
    why = postgres_available()
    if why: pytest.skip(f"PostgreSQL tests need a server: {why}")
    srv = LocalPostgres()
    yield srv
    srv.stop()

@pytest.fixture
def pg_url(pg_server):
    "A fresh, empty database on the session's server."
    return pg_server.create_database(f"t_{uuid.uuid4().hex[:12]}")
