"""config/deploy holds what an operator copies: every unit runs a command that exists, the compose
trial has a service for every unit, the nginx site passes `nginx -t` and matches the service's
limits and the way it reads the client's address, the env template names only real settings."""

from __future__ import annotations

import configparser
import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from suishoupai import cli, settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "config" / "deploy"
UNITS = DEPLOY / "systemd"
INSTALLED = "/opt/suishoupai/"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


def _suishoupai_commands() -> dict[str, list[str]]:
    """Each service unit running the `suishoupai` script: its arguments."""
    found = {}
    for path in sorted(UNITS.glob("*.service")):
        argv = _unit(path)["Service"]["ExecStart"].split()
        if argv[0].endswith("/suishoupai"):
            found[path.stem] = argv[1:]
    return found


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


@pytest.fixture
def command_line(monkeypatch, tmp_path):
    """Invoke the `suishoupai` script in-process, as an operator would from any directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLASK_APP", raising=False)
    monkeypatch.setenv("SUISHOUPAI_ENV", "development")
    monkeypatch.setenv("SUISHOUPAI_DATABASE_URL", "sqlite:///" + str(tmp_path / "x.db"))
    return lambda args: CliRunner().invoke(cli.group(), [*args, "--help"])


def test_every_unit_runs_a_command_that_exists(command_line):
    """Each `suishoupai …` ExecStart names a real subcommand, gunicorn's names the shipped config and
    wsgi.py, and every path lives under the one install directory."""
    commands = _suishoupai_commands()
    assert {"suishoupai-notify", "suishoupai-moderation", "suishoupai-reports-sweep",
            "suishoupai-privacy-retain", "suishoupai-migrate"} <= set(commands)
    for unit, args in commands.items():
        answer = command_line(args)
        assert answer.exit_code == 0, (unit, args, answer.output)
    app = _unit(UNITS / "suishoupai-app.service")["Service"]
    argv = app["ExecStart"].split()
    assert argv[0] == INSTALLED + ".venv/bin/gunicorn" and argv[-1] == "wsgi:app"
    assert Path(argv[argv.index("-c") + 1].replace(INSTALLED, str(ROOT) + "/")).is_file()
    assert (ROOT / "wsgi.py").is_file() and app["WorkingDirectory"] == INSTALLED.rstrip("/")


def test_every_timer_starts_a_locked_command(command_line):
    """Each timer starts a service that exists; what it runs takes the cluster-wide lock (so the
    timer may be enabled on every node), and its calendar is valid where systemd can say."""
    timers = sorted(UNITS.glob("*.timer"))
    assert len(timers) >= 6
    commands = _suishoupai_commands()
    for timer in timers:
        section = _unit(timer)["Timer"]
        service = section["Unit"].removesuffix(".service")
        assert (UNITS / section["Unit"]).is_file(), timer.name
        help_text = command_line(commands[service]).output
        assert "--wait" in help_text, f"{service} is not guarded by the run lock"
        if shutil.which("systemd-analyze"):
            checked = subprocess.run(["systemd-analyze", "calendar", section["OnCalendar"]],
                                     capture_output=True, text=True)
            assert checked.returncode == 0, (timer.name, checked.stderr)


def test_the_compose_trial_runs_every_unit():
    """The compose file parses and has a service for each unit (app and notify on two "nodes"),
    a loop running every timer's command, and PostgreSQL, Redis, MinIO and nginx."""
    services = _compose()["services"]
    assert {"postgres", "redis", "minio", "nginx", "migrate", "moderation", "cron"} <= set(services)
    assert {"app1", "app2", "notify1", "notify2"} <= set(services)
    units = _suishoupai_commands()
    for name in ("notify1", "notify2"):
        assert services[name]["command"] == ["suishoupai", *units["suishoupai-notify"]]
    assert services["moderation"]["command"] == ["suishoupai", *units["suishoupai-moderation"]]
    loop = " ".join(services["cron"]["command"])
    for timer in UNITS.glob("*.timer"):
        service = _unit(timer)["Timer"]["Unit"].removesuffix(".service")
        assert "suishoupai " + " ".join(_suishoupai_commands()[service]) in loop, service
    assert "db upgrade" in " ".join(services["migrate"]["command"])
    assert services["cron"]["deploy"]["replicas"] >= 2  # the lock is what makes this safe
    mounted = " ".join(services["nginx"]["volumes"])
    assert "suishoupai-proxy.conf" in mounted and "compose-site.conf" in mounted


def test_the_proxy_matches_the_service():
    """nginx's body limit is the service's, bodies are buffered, the address the app reads
    (X-Forwarded-For, one hop) is overwritten with the peer, and the read timeout outlasts gunicorn's."""
    proxy = (DEPLOY / "nginx" / "suishoupai-proxy.conf").read_text()
    directives = dict(re.findall(r"^\s*(\w+)\s+([^;]+);", proxy, re.M))
    size = directives["client_max_body_size"]
    assert size.endswith("m") and int(size[:-1]) * 1024 * 1024 == settings.DEFAULTS["MAX_CONTENT_LENGTH"]
    assert directives["proxy_request_buffering"] == "on"
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in proxy
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in proxy
    assert int(directives["proxy_read_timeout"].rstrip("s")) > 60  # gunicorn.conf.py's default timeout
    env = dict(line.split("=", 1) for line in (DEPLOY / "suishoupai.env").read_text().splitlines()
               if line and not line.startswith("#"))
    assert env["SUISHOUPAI_PROXY_HOPS"] == "1"


def test_the_env_template_names_only_real_settings():
    """A misspelt name in the template would be silently ignored: every SUISHOUPAI_ name is a setting."""
    names = re.findall(r"^SUISHOUPAI_(\w+)=", (DEPLOY / "suishoupai.env").read_text(), re.M)
    assert names and set(names) <= set(settings.DEFAULTS)
    compose_env = _compose()["x-suishoupai"]["environment"]
    assert {n.removeprefix("SUISHOUPAI_") for n in compose_env if n.startswith("SUISHOUPAI_")} <= set(
        settings.DEFAULTS)


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the test's nginx."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ssp.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    crt, pem = folder / "ssp.crt", folder / "ssp.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


@pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed")
@pytest.mark.parametrize("site", ["suishoupai.conf", "compose-site.conf"])
def test_nginx_accepts_the_site(site, tmp_path):
    """`nginx -t` on the site as shipped, only the paths an operator fills in (certificate, snippet)
    and the compose service names (which only its network resolves) replaced."""
    crt, pem = _certificate(tmp_path)
    text = (DEPLOY / "nginx" / site).read_text()
    replaced = {"/etc/nginx/snippets/suishoupai-proxy.conf": str(DEPLOY / "nginx" / "suishoupai-proxy.conf"),
                "/etc/nginx/tls/suishoupai.crt": str(crt), "/etc/nginx/tls/suishoupai.key": str(pem),
                "app1:8000": "127.0.0.1:8001", "app2:8000": "127.0.0.1:8002"}
    for shipped, here in replaced.items():
        text = text.replace(shipped, here)
    (tmp_path / "site.conf").write_text(text)
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  include {tmp_path}/site.conf;\n}}\n")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
