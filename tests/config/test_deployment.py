"""The deployment artefacts: the Dockerfile, compose.yaml and the entrypoint's roles.

No container runtime runs on the build machine, so the image itself is not built here.
What it is made of is checked instead, and what it runs is run: the entrypoint's roles
on this machine against the test database and Redis, and the image's collectstatic step.
The worker and beat roles are run in tests/workers/test_entrypoint_roles.py (with the
real-worker fixtures).
"""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import requests
import yaml

from tests.gunicorn_server import free_port, stop, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "scripts" / "entrypoint"
BROKER = os.environ.get("FEEDLOOP_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
# The virtualenv's python, gunicorn and celery come first, as /usr/local/bin does in the image.
PATH = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages, each a list of (INSTRUCTION, arguments), continuation
    lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


# -- the image ---------------------------------------------------------------------------


def test_the_image_runs_as_a_non_root_user_on_a_slim_base_without_compilers():
    builder, runtime = dockerfile_stages()
    assert runtime[0] == ("FROM", "python:3.11-slim AS runtime")
    runtime_text = "\n".join(arguments for _, arguments in runtime)
    # The builder compiles the wheels; the runtime only installs them, offline.
    assert any("pip wheel" in arguments for instruction, arguments in builder if instruction == "RUN")
    assert "--no-index" in runtime_text
    for compiler in ("build-essential", "gcc", "g++", "libpq-dev"):
        assert compiler not in runtime_text
    users = [arguments for instruction, arguments in runtime if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    # Everything after the last USER runs as that user, the entrypoint included.
    last_user = max(index for index, (instruction, _) in enumerate(runtime) if instruction == "USER")
    assert [instruction for instruction, _ in runtime[last_user:]].count("RUN") == 0


def test_the_image_collects_static_files_at_build_and_probes_healthz():
    runtime = dockerfile_stages()[-1]
    env = " ".join(arguments for instruction, arguments in runtime if instruction == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "PYTHONUNBUFFERED=1" in env
    assert any("collectstatic" in arguments for instruction, arguments in runtime if instruction == "RUN")
    (healthcheck,) = [arguments for instruction, arguments in runtime if instruction == "HEALTHCHECK"]
    assert "http://127.0.0.1:8000/healthz" in healthcheck and "python" in healthcheck
    assert ("EXPOSE", "8000") in runtime
    assert ("ENTRYPOINT", '["/app/scripts/entrypoint"]') in runtime
    assert ("CMD", '["web"]') in runtime


def test_dockerignore_keeps_secrets_and_local_state_out_but_the_app_in():
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()[:1] not in ("", "#")
    ]

    def ignored(path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern.rstrip("/")) for pattern in patterns)

    for path in (".git", ".venv", ".env", "var", "db.sqlite3", "staticfiles", "tests"):
        assert ignored(path), path
    needed = ["manage.py", "requirements.txt", "config", "accounts", "workspaces", "feedback", "templates", "static"]
    for path in [*needed, "scripts"]:
        assert not ignored(path), path


def test_the_images_collectstatic_step_succeeds_with_only_a_throwaway_secret(tmp_path):
    """The RUN line of the Dockerfile, run here as the build runs it: no database, no
    broker, no deployment secrets, the production profile's DEBUG off."""
    runtime = dockerfile_stages()[-1]
    (step,) = [arguments for instruction, arguments in runtime if instruction == "RUN" and "collectstatic" in arguments]
    env = {"PATH": PATH, "DJANGO_STATIC_ROOT": str(tmp_path / "static"), "HOME": str(tmp_path)}
    result = subprocess.run(
        ["/bin/bash", "-c", step], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr
    # Hashed and compressed, as the manifest storage serves them outside DEBUG.
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert list((tmp_path / "static").rglob("*.css.gz"))


# -- compose -----------------------------------------------------------------------------


def test_compose_runs_each_process_once_migrated_on_healthy_backing_services():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    assert "/var/lib/postgresql/data" in " ".join(services["postgres"]["volumes"])
    roles = {name: services[name]["command"] for name in ("migrate", "web", "worker", "beat")}
    assert roles == {"migrate": ["migrate"], "web": ["web"], "worker": ["worker"], "beat": ["beat"]}
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    # Beat sends the periodic sweeps: two would send each one twice.
    assert services["beat"]["deploy"]["replicas"] == 1


def test_compose_checks_the_health_of_every_long_running_service():
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in " ".join(services["redis"]["healthcheck"]["test"])
    # Web keeps the image's HEALTHCHECK (GET /healthz); the one-shot migrate has none.
    assert "healthcheck" not in services["web"]
    assert services["migrate"]["healthcheck"] == {"disable": True}
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    # Beat serves nothing to probe: the image's HTTP check is switched off, not left failing.
    assert services["beat"]["healthcheck"] == {"disable": True}


def test_compose_takes_the_production_profile_and_secrets_from_env_files():
    document = compose()
    app = document["services"]["web"]
    assert app["env_file"][0] == "config/production.env"
    assert (ROOT / "config" / "production.env").exists()
    assert all(document["services"][name]["image"] == app["image"] for name in ("migrate", "worker", "beat"))
    example = (ROOT / ".env.example").read_text()
    # Every ${NAME} compose fills in is explained in .env.example.
    for name in set(re.findall(r"\$\{(\w+)", (ROOT / "compose.yaml").read_text())):
        assert re.search(rf"^#?\s*{name}=", example, re.MULTILINE), name
    assert ".env" in (ROOT / ".gitignore").read_text().split()


# -- the documented variables ------------------------------------------------------------


def variables_read() -> set[str]:
    """Every environment variable the settings and the web server's config read (the
    config.env readers' first argument), and those the entrypoint reads (${NAME...})."""
    names: set[str] = set()
    for path in (ROOT / "config").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.startswith("env_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value)
    names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", ENTRYPOINT.read_text()))
    return names


def variables_documented() -> set[str]:
    """Every name in the first column of the README's tables headed `| variable |`."""
    names: set[str] = set()
    in_table = False
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("| variable |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table:
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return names


def test_the_readme_lists_every_environment_variable_the_code_reads():
    read = variables_read()
    assert "DJANGO_SECRET_KEY" in read and "FEEDLOOP_WEB_WORKERS" in read  # the parser finds them
    assert sorted(read - variables_documented()) == []


def test_the_readme_lists_no_variable_the_code_does_not_read():
    assert sorted(variables_documented() - variables_read()) == []


# -- the entrypoint's roles, run here ----------------------------------------------------


def run_entrypoint(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ENTRYPOINT), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture
def fresh_database(settings) -> Iterator[str]:
    """The URL of a new, empty database beside the test database, dropped afterwards."""
    database = settings.DATABASES["default"]
    name = f"{database['NAME']}_fresh"
    server = psycopg2.connect(host=database["HOST"], port=database["PORT"], user=database["USER"], dbname="postgres")
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{name}"
    finally:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


def test_migrate_role_applies_every_migration_to_a_fresh_database_and_exits(fresh_database, tmp_path):
    env = {**os.environ, "PATH": PATH, "DATABASE_URL": fresh_database, "FEEDLOOP_STORAGE_DIR": str(tmp_path)}
    before = run_entrypoint("manage", "migrate", "--check", env=env)
    assert before.returncode != 0, before.stdout  # unapplied migrations: the check can fail
    migrated = run_entrypoint("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert "Applying accounts.0001" in migrated.stdout
    after = run_entrypoint("manage", "migrate", "--check", env=env)
    assert after.returncode == 0, after.stdout + after.stderr


def test_an_unknown_role_is_refused_with_the_list_of_roles():
    result = run_entrypoint("serve", env={"PATH": PATH})
    assert result.returncode == 64
    assert "web, worker, beat, migrate, manage" in result.stderr


def test_web_role_serves_readyz_through_gunicorn_and_logs_each_request(transactional_db, settings, tmp_path):
    database = settings.DATABASES["default"]
    port = free_port()
    env = {
        **os.environ,
        "PATH": PATH,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "FEEDLOOP_STORAGE_DIR": str(tmp_path / "files"),
        "FEEDLOOP_WEB_BIND": f"127.0.0.1:{port}",
        "FEEDLOOP_WEB_WORKERS": "1",
    }
    log = tmp_path / "web.log"
    server = subprocess.Popen(
        [str(ENTRYPOINT), "web"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    try:
        wait_until_serving(server, f"http://127.0.0.1:{port}/healthz", log, name="the web role")
        answer = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=30)
    finally:
        stop(server)
    assert answer.status_code == 200, answer.text
    assert answer.json()["checks"] == {"database": "ok", "broker": "ok", "storage": "ok"}
    # A graceful stop on SIGTERM, and one access-log line per request on the output.
    assert server.returncode == 0, log.read_text()
    assert re.search(r'"GET /readyz HTTP/1.1" 200', log.read_text()), log.read_text()


def test_web_role_stops_on_a_malformed_setting_naming_it(tmp_path):
    env = {**os.environ, "PATH": PATH, "FEEDLOOP_WEB_WORKERS": "four", "FEEDLOOP_WEB_BIND": f"127.0.0.1:{free_port()}"}
    result = run_entrypoint("web", env=env)
    assert result.returncode != 0
    assert "FEEDLOOP_WEB_WORKERS='four' is not an integer" in result.stdout + result.stderr


def test_the_role_commands_are_the_documented_ones():
    """The README's process model names the commands the entrypoint runs."""
    text = ENTRYPOINT.read_text()
    readme = (ROOT / "README.md").read_text()
    for command in ("gunicorn --config config/gunicorn.conf.py", "celery -A config worker", "celery -A config beat"):
        assert command in text, command
        assert command in readme, command
    assert "manage.py migrate --noinput" in text
