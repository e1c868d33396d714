"""docker-compose.yml, deploy/Dockerfile and deploy/nginx.conf describe a system this repository can run.

No Docker engine runs here, so these tests check the shape: the file parses, every command the
services run exists in the repository (modules, app factories, CLI commands and their flags),
nginx balances over both API replicas, and the app's environment is one the app reads.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend"
COMPOSE = ROOT / "docker-compose.yml"
IMAGE_ROOT = "/app"  # deploy/Dockerfile copies the repository layout under /app
API_SERVICES = ("api-1", "api-2")
APP_SERVICES = ("api-1", "api-2", "worker", "beat", "migrate")
EXPECTED_SERVICES = {"nginx", *APP_SERVICES, "redis", "db", "mail", "aws", "aws-init", "supplier"}
SECRET_WORDS = ("SECRET", "PASSWORD", "SALT", "TOKEN", "KEY_ID", "PRIVATE")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command_of(service: dict) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def sh_commands(argv: list[str]) -> list[list[str]]:
    """`sh -c "a && b"` -> [[a...], [b...]]; anything else -> [argv]."""
    if argv[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in re.split(r"&&|;", argv[2]) if part.strip()]
    return [argv]


def help_text(*argv: str, cwd: Path = ROOT) -> str:
    """Run `argv --help` with the venv on PATH and dummy secrets; its output."""
    env = dict(os.environ)
    env.update(
        {
            "SECRET_KEY": "compose-test",
            "SECURITY_PASSWORD_SALT": "compose-test",
            "PYTHONPATH": os.pathsep.join([str(BACKEND), str(ROOT)]),
            "PATH": str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        }
    )
    done = subprocess.run([*argv, "--help"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(argv)} --help failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def flags(argv: list[str]) -> list[str]:
    return [arg.split("=", 1)[0] for arg in argv if arg.startswith("--")]


def repo_path(container_path: str) -> Path:
    """Where a path inside the image comes from in the repository."""
    assert container_path.startswith(IMAGE_ROOT), container_path
    return ROOT / container_path[len(IMAGE_ROOT) :].lstrip("/")


def variables_the_app_reads() -> set[str]:
    pattern = re.compile(
        r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault|_int|_bool)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
        r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
    )
    names: set[str] = set()
    for folder in (BACKEND / "trackbase", ROOT / "celery_app"):
        for path in folder.rglob("*.py"):
            for match in pattern.finditer(path.read_text()):
                names.add(match.group(1) or match.group(2))
    return names


def documented_variables() -> set[str]:
    example = ROOT / ".env.example"
    assert example.is_file(), ".env.example lists the configuration"
    return {
        line.split("=", 1)[0].strip()
        for line in example.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }


# --------------------------------------------------------------------------- the file


def test_compose_file_parses_and_has_every_part_of_the_system(services):
    assert set(services) >= EXPECTED_SERVICES, f"missing: {EXPECTED_SERVICES - set(services)}"
    for name, service in services.items():
        assert service.get("image") or service.get("build"), f"{name} has neither image nor build"


def test_dependencies_name_existing_services(services):
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        for other in depends if isinstance(depends, (dict, list)) else []:
            assert other in services, f"{name} depends on unknown service {other}"


def test_one_shot_services_gate_the_app(services):
    for name in APP_SERVICES:
        if name == "migrate":
            continue
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert services["migrate"]["restart"] == "no"
    assert services["aws-init"]["restart"] == "no"


# --------------------------------------------------------------------------- the image


def test_dockerfile_exists_and_copies_paths_that_exist(services):
    dockerfiles = set()
    for name, service in services.items():
        build = service.get("build")
        if build:
            context = ROOT / build.get("context", ".")
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            assert dockerfile.is_file(), f"{name}: {dockerfile} does not exist"
            dockerfiles.add(dockerfile)
    assert dockerfiles == {ROOT / "deploy" / "Dockerfile"}
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert re.search(r"^FROM node:\d+", text, re.M), "the SPA is built in a node stage"
    for line in text.splitlines():
        parts = shlex.split(line) if line.startswith("COPY ") and "--from=" not in line else []
        for source in parts[1:-1]:
            if source.startswith("--"):
                continue
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"


def test_dockerfile_default_command_serves_the_app_factory():
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    cmd = ast.literal_eval(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    assert cmd[:2] == ["gunicorn", "trackbase:create_app()"]
    assert_wsgi_factory_exists(cmd[1])


# --------------------------------------------------------------------------- commands


def assert_wsgi_factory_exists(target: str) -> None:
    module, _, call = target.partition(":")
    spec = importlib.util.find_spec(module)
    assert spec is not None, f"module {module} not found"
    factory = call.removesuffix("()")
    source = Path(spec.origin).read_text()
    assert (
        re.search(rf"^def {factory}\(|^{factory} = ", source, re.M)
        or f"import {factory}" in source
        or re.search(rf"import .*\b{factory}\b", source)
    ), f"{module} has no {factory}"


def test_api_replicas_run_gunicorn_on_the_app_factory(services):
    gunicorn_help = None
    for name in API_SERVICES:
        argv = command_of(services[name])
        assert argv[:2] == ["gunicorn", "trackbase:create_app()"], name
        assert_wsgi_factory_exists(argv[1])
        import trackbase

        assert callable(trackbase.create_app)
        gunicorn_help = gunicorn_help or help_text("gunicorn")
        for flag in flags(argv):
            assert flag in gunicorn_help, f"gunicorn has no {flag}"
        assert "0.0.0.0:8000" in argv


def test_worker_and_beat_run_celery_on_celery_app(services):
    # `celery -A celery_app` looks for an app in the package, then in its `celery` submodule.
    sources = [
        path.read_text()
        for path in (ROOT / "celery_app" / "__init__.py", ROOT / "celery_app" / "celery.py")
        if path.is_file()
    ]
    assert any(re.search(r"^(app|celery) = ", source, re.M) for source in sources), "no Celery app in celery_app"
    for name, subcommand in (("worker", "worker"), ("beat", "beat")):
        argv = command_of(services[name])
        assert argv[:4] == ["celery", "-A", "celery_app", subcommand], name
        usage = help_text("celery", "-A", "celery_app", subcommand)
        for flag in flags(argv[4:]):
            assert flag in usage, f"celery {subcommand} has no {flag}"
        assert services[name].get("working_dir", IMAGE_ROOT) == IMAGE_ROOT, "celery_app is found from the repo root"


def test_migrate_upgrades_the_schema_and_ensures_an_admin(services):
    migrate = services["migrate"]
    workdir = repo_path(migrate["working_dir"])
    assert (workdir / "migrations" / "env.py").is_file(), "flask db upgrade runs where the migrations are"
    steps = sh_commands(command_of(migrate))
    assert [step[:5] for step in steps] == [
        ["flask", "--app", "trackbase", "db", "upgrade"],
        ["flask", "--app", "trackbase", "users", "ensure-admin"],
    ]
    for step in steps:
        help_text(*step, cwd=workdir)  # the command exists (exit 0 on --help)
    env = migrate["environment"]
    assert {"TRACKBASE_ADMIN_EMAIL", "TRACKBASE_ADMIN_PASSWORD"} <= set(env)


@pytest.mark.parametrize("service, module", [("mail", "devtools.mailsink"), ("supplier", "supplier_sim")])
def test_python_module_services_exist_and_accept_their_flags(services, service, module):
    argv = command_of(services[service])
    assert argv[:3] == ["python", "-m", module]
    assert importlib.util.find_spec(module) is not None
    usage = help_text(sys.executable, "-m", module)
    for flag in flags(argv[3:]):
        assert flag in usage, f"{module} has no {flag}"
    assert "0.0.0.0" in argv, f"{service} must listen on the container network"


def test_mail_and_simulator_are_where_the_app_looks(services):
    env = services["api-1"]["environment"]
    mail_port = command_of(services["mail"])[command_of(services["mail"]).index("--port") + 1]
    assert (env["MAIL_SERVER"], str(env["MAIL_PORT"])) == ("mail", mail_port)
    sim_port = command_of(services["supplier"])[command_of(services["supplier"]).index("--port") + 1]
    assert env["SUPPLIER_API_URL"] == f"http://supplier:{sim_port}"
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert "@db:5432/" in env["DATABASE_URL"] and env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["AWS_ENDPOINT_URL"].startswith("http://aws:")


def test_aws_init_script_exists(services):
    argv = command_of(services["aws-init"])
    assert argv[0] == "python"
    script = ROOT / argv[1]
    assert script.is_file()
    compile(script.read_text(), str(script), "exec")


# --------------------------------------------------------------------------- nginx


def test_nginx_config_is_mounted_from_the_repo(services):
    mounts = [volume.split(":") for volume in services["nginx"]["volumes"]]
    sources = {target: ROOT / source for source, target, *_ in mounts}
    assert sources["/etc/nginx/conf.d/default.conf"] == ROOT / "deploy" / "nginx.conf"
    assert (ROOT / "deploy" / "nginx.conf").is_file()


def test_nginx_upstream_lists_both_api_replicas(services):
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    upstream = re.search(r"upstream\s+(\w+)\s*\{(.*?)\}", text, re.S)
    assert upstream, "nginx.conf has an upstream block"
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", upstream.group(2), re.M)
    assert sorted(host for host, _ in servers) == sorted(API_SERVICES)
    for _host, port in servers:
        assert f"0.0.0.0:{port}" in command_of(services["api-1"])
    assert re.search(rf"proxy_pass\s+http://{upstream.group(1)};", text)
    assert services["nginx"]["depends_on"].keys() >= set(API_SERVICES)


def nginx_directive(text: str, name: str) -> list[str]:
    """The arguments of the one `name ...;` directive in deploy/nginx.conf (comments ignored)."""
    code = re.sub(r"#[^\n]*", "", text)
    found = re.findall(rf"^\s*{name}\s+([^;]*);", code, re.M)
    assert len(found) == 1, f"deploy/nginx.conf has {len(found)} {name} directives"
    return found[0].split()


def seconds(value: str) -> int:
    return int(value.removesuffix("s"))


def test_nginx_keeps_upstream_connections_alive_shorter_than_the_replicas_do(services):
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    upstream = re.search(r"upstream\s+\w+\s*\{(.*?)\}", text, re.S).group(1)
    assert int(nginx_directive(upstream, "keepalive")[0]) > 0
    # upstream keepalive needs HTTP/1.1 and an empty Connection header towards the replicas
    assert nginx_directive(text, "proxy_http_version") == ["1.1"]
    assert nginx_directive(text, "proxy_set_header Connection") == ['""']
    nginx_idle = seconds(nginx_directive(upstream, "keepalive_timeout")[0])
    for name in API_SERVICES:
        argv = command_of(services[name])
        assert int(argv[argv.index("--keep-alive") + 1]) > nginx_idle, f"{name} closes idle connections first"


def test_nginx_retries_only_idempotent_requests_on_another_replica():
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    conditions = nginx_directive(text, "proxy_next_upstream")
    assert {"error", "timeout", "http_502", "http_503"} <= set(conditions)
    assert "non_idempotent" not in conditions, "a POST (checkout) that reached a replica must not be replayed"
    assert int(nginx_directive(text, "proxy_next_upstream_tries")[0]) >= len(API_SERVICES)


def test_api_replicas_trust_exactly_the_one_proxy_in_front(services):
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    assert nginx_directive(text, "proxy_set_header X-Forwarded-For") == ["$proxy_add_x_forwarded_for"]
    for name in API_SERVICES:
        assert services[name]["environment"]["TRUSTED_PROXIES"] == "1", name
    for name in set(APP_SERVICES) - set(API_SERVICES):
        assert "TRUSTED_PROXIES" not in (services[name].get("environment") or {}), name


# --------------------------------------------------------------------------- environment


def test_app_environment_is_read_by_the_app_or_documented(services):
    known = variables_the_app_reads() | documented_variables()
    for name in APP_SERVICES:
        assert services[name]["env_file"] == ".env", f"{name} reads .env"
        unknown = set(services[name].get("environment") or {}) - known
        assert not unknown, f"{name} sets variables the app never reads: {sorted(unknown)}"


def test_no_secret_has_a_default(compose):
    text = COMPOSE.read_text()
    for var, operator, rest in re.findall(r"\$\{([A-Z][A-Z0-9_]*)(:?[-?])?([^}]*)\}", text):
        secret = any(word in var for word in SECRET_WORDS) or var.endswith("_KEY")
        if secret:
            assert operator in (":?", "?"), f"${{{var}}} must be required, not defaulted"
        if operator in (":?", "?"):
            assert ".env" in rest, f"${{{var}}}: the error message says where to set it"
    for name, service in compose["services"].items():
        env = service.get("environment") or {}
        for var, value in env.items() if isinstance(env, dict) else []:
            if any(word in var for word in SECRET_WORDS) or var.endswith("_KEY"):
                assert "${" in str(value), f"{name}: {var} is hard-coded"
