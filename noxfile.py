"""Test sessions. ``python3 -m nox`` runs the default set (the README's test command).

* ``lint``: ruff check and ruff format --check.
* ``core``: core and kit tests (``pytest tests``) with only ./core and ./testing installed.
* ``plugin(<name>)``: one fresh venv per folder under plugins/: ./core, ./testing and that
  plugin only, running ``pytest plugins/<name>/tests``.
* ``all``: every plugin installed together, core tests again.
* ``bench`` (not in the default set): the benchmarks under bench/, results in bench/results/.

A venv is made with uv when it is available, else virtualenv. Sessions that talk to
PostgreSQL or Redis check the server answers first and fail with a hint if it does not
(``bash .ci/run`` starts them).
"""

from __future__ import annotations

import socket
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PLUGINS = sorted(p.name for p in (ROOT / "plugins").glob("*") if (p / "pyproject.toml").is_file())
TEST_DEPS = ("pytest", "pytest-timeout", "hypothesis")
# Tests run as `python -m pytest` so the repository root is on sys.path, as it is for a
# developer running `python -m pytest tests` (tests import helpers as `tests.cli.conftest`).

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "core", "plugin", "all"]
nox.options.error_on_external_run = True


def _postgres_answers(host: str, port: int) -> bool:
    # An SSLRequest packet: a PostgreSQL server answers one byte, b"S" or b"N".
    with socket.create_connection((host, port), timeout=3) as sock:
        sock.sendall((8).to_bytes(4, "big") + (80877103).to_bytes(4, "big"))
        return sock.recv(1) in (b"S", b"N")


def _redis_answers(host: str, port: int) -> bool:
    with socket.create_connection((host, port), timeout=3) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")


SERVICES = {
    "postgresql": ("127.0.0.1", 5432, _postgres_answers),
    "redis": ("127.0.0.1", 6379, _redis_answers),
}
PLUGIN_SERVICES = {"tether-postgres": ("postgresql",), "tether-redis": ("redis",)}
"""Servers a plugin's tests need (MongoDB tests start their own SecantusDB server)."""


def require_services(session: nox.Session, names: tuple[str, ...] | list[str]) -> None:
    """Fail the session early, with a hint, when a server it needs does not answer."""
    for name in names:
        host, port, answers = SERVICES[name]
        try:
            ok = answers(host, port)
        except OSError as exc:
            ok, why = False, str(exc)
        else:
            why = "unexpected reply"
        if not ok:
            session.error(
                f"{name} is not answering on {host}:{port} ({why}). "
                "`bash .ci/run` starts the local services before running the tests."
            )


def services_for(plugins: list[str]) -> list[str]:
    return sorted({s for p in plugins for s in PLUGIN_SERVICES.get(p, ())})


def install_core(session: nox.Session, *extra: str) -> None:
    session.install("./core", "./testing", *TEST_DEPS, *extra)


def plugin_specs(plugins: list[str]) -> list[str]:
    return [f"./plugins/{name}[test]" for name in plugins]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole repository."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def core(session: nox.Session) -> None:
    """Core and kit tests with no plugin installed."""
    install_core(session)
    session.run("python", "-m", "pytest", "tests", *session.posargs)


@nox.session
@nox.parametrize("name", PLUGINS, ids=PLUGINS)
def plugin(session: nox.Session, name: str) -> None:
    """One plugin alone with core and the kit, in its own venv: its own tests."""
    require_services(session, services_for([name]))
    install_core(session, *plugin_specs([name]))
    session.run("python", "-m", "pytest", f"plugins/{name}/tests", *session.posargs)


@nox.session(name="all")
def all_plugins(session: nox.Session) -> None:
    """Every plugin installed together: the core tests again (entry points, CLI, docs)."""
    require_services(session, services_for(PLUGINS))
    install_core(session, *plugin_specs(PLUGINS))
    session.run("python", "-m", "pytest", "tests", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not tests): import time, resume time, then every reachable store.
    Posargs go to bench_stores.py, e.g. ``nox -s bench -- --sizes 1000,10000``."""
    install_core(session, *plugin_specs(PLUGINS), "psycopg[binary]", "redis", "pymongo")
    if "tether-mongodb" in PLUGINS:
        session.install("secantusdb==0.7.0b3")
    session.run("python", "bench/bench_import.py")
    if (ROOT / "bench" / "bench_resume.py").is_file():
        session.run("python", "bench/bench_resume.py")
    session.run("python", "bench/bench_stores.py", *session.posargs)
