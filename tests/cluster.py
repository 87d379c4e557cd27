"""Several dashboard processes behind nginx, as an operator runs them (``deploy/``).

Shared by the two-process tests (``tests/deploy/``) and the benchmarks
(``bench/bench_scale.py``, ``bench/bench_load_faults.py``), with private Redis and PostgreSQL
servers for runs that stop them (the machine's shared ones are never touched). The nginx site
is the very file the README tells operators to install; only the lines marked ``# test:`` are
replaced (ports, listen address, static root), and a minimal main configuration around it keeps
every file nginx writes in a temporary folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "voltstorage-fleet.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_site(upstreams: list[int], listen: int, static_root: Path) -> str:
    """The deploy site file with this run's ports and static root."""
    lines: list[str] = []
    upstreams_done = listen_done = False
    for line in SITE.read_text().splitlines():
        marker = re.search(r"# test: (\w+)", line)
        if marker is None:
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        kind = marker.group(1)
        if kind == "upstreams" and not upstreams_done:
            options = re.search(r"server \S+ ([^;]*);", line)
            extra = f" {options.group(1)}" if options else ""
            lines.extend(f"{indent}server 127.0.0.1:{port}{extra};" for port in upstreams)
            upstreams_done = True
        elif kind == "listen" and not listen_done:
            lines.append(f"{indent}listen 127.0.0.1:{listen};")
            listen_done = True
        elif kind == "server_name":
            lines.append(f"{indent}server_name 127.0.0.1 localhost;")
        elif kind == "static":
            lines.append(f"{indent}alias {static_root}/;")
    return "\n".join(lines) + "\n"


def nginx_available() -> bool:
    return os.path.exists(NGINX)


@dataclass
class Nginx:
    """nginx in the foreground on a loopback port, in front of ``upstreams``."""

    upstreams: list[int]
    static_root: Path
    port: int = field(default_factory=free_port)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="nginx-")))
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> str:
        site = self.folder / "site.conf"
        site.write_text(render_site(self.upstreams, self.port, self.static_root))
        temp = {name: self.folder / name for name in ("body", "proxy", "fcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir(exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        return (
            f"{user}daemon off;\nworker_processes 1;\npid {self.folder}/nginx.pid;\n"
            f"error_log {self.folder}/error.log warn;\n"
            "events { worker_connections 8192; }\n"
            "http {\n"
            "  include /etc/nginx/mime.types;\n"
            f"  access_log {self.folder}/access.log;\n"
            f"  client_body_temp_path {temp['body']};\n  proxy_temp_path {temp['proxy']};\n"
            f"  fastcgi_temp_path {temp['fcgi']};\n  uwsgi_temp_path {temp['uwsgi']};\n"
            f"  scgi_temp_path {temp['scgi']};\n"
            f"  include {site};\n"
            "}\n"
        )

    def start(self) -> Nginx:
        main = self.folder / "nginx.conf"
        main.write_text(self.config())
        check = subprocess.run(
            [NGINX, "-t", "-q", "-c", str(main), "-p", str(self.folder)],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused the site:\n{check.stderr}")
        self.process = subprocess.Popen(
            [NGINX, "-c", str(main), "-p", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(f"{self.url}/healthz", self.process, self.folder / "error.log")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Dashboard:
    """One ``python -m dashboard.serve`` process (the emulator off: upstream elsewhere)."""

    env: Mapping[str, str]
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> Dashboard:
        if self.log_path is None:
            self.log_path = Path(tempfile.mkstemp(prefix=f"dashboard-{self.port}-")[1])
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dashboard.serve", "--host", "127.0.0.1",
                 "--port", str(self.port)],
                cwd=ROOT,
                env={**os.environ, "EMULATOR_ENABLED": "false", **self.env,
                     "PORT": str(self.port), "PYTHONUNBUFFERED": "1"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        if wait:
            self.wait()
        return self

    def wait(self) -> None:
        """Until the started process answers (its log in the error if it exits first)."""
        assert self.process is not None and self.log_path is not None, "start() first"
        wait_for(f"{self.url}/healthz", self.process, self.log_path)

    def stop(self, timeout: float = 20) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def gauge(self, name: str) -> float:
        """One value of this process's ``/metrics``."""
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise KeyError(name)


@contextlib.contextmanager
def dashboards(env: Mapping[str, str], count: int = 2) -> Iterator[list[Dashboard]]:
    """``count`` dashboard processes on one environment, started together, each answering
    before the block runs; stopped after it, whatever happened."""
    running = [Dashboard(env) for _ in range(count)]
    try:
        for dashboard in running:
            dashboard.start(wait=False)
        for dashboard in running:
            dashboard.wait()
        yield running
    finally:
        for dashboard in running:
            dashboard.stop()


def wait_for(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    """Until ``url`` answers (any status), or the process exits (its log in the error)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)  # a child process starting: nothing to await on
    raise RuntimeError(f"{url} did not answer in {timeout:g} s:\n{_tail(log_path)}")


def _tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-4000:]
    except OSError:
        return ""


def sign_in(base_url: str, email: str, password: str = "voltstorage") -> httpx.Client:
    """A client signed in through the real sign-in form (CSRF cookie and token)."""
    client = httpx.Client(base_url=base_url, timeout=30, follow_redirects=False)
    try:
        page = client.get("/signin/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if token is None:
            raise RuntimeError(f"no CSRF token on the sign-in page ({page.status_code})")
        answer = client.post(
            "/signin/",
            data={"email": email, "password": password, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{base_url}/signin/", "Origin": base_url},
        )
        if answer.status_code != 302:
            raise RuntimeError(f"sign-in answered {answer.status_code}")
    except BaseException:
        client.close()
        raise
    return client


def sign_out(client: httpx.Client, base_url: str) -> int:
    """POST /signout/ (with the session's CSRF cookie) to ``base_url``; the status."""
    csrf = client.cookies.get("csrftoken") or ""
    answer = client.post(
        f"{base_url}/signout/",
        data={"csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base_url}/", "Origin": base_url, "X-CSRFToken": csrf},
    )
    return answer.status_code


def redis_up() -> bool:
    """Whether the machine's Redis answers on 127.0.0.1:6379 (tests that need it skip if not)."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateRedis:
    """A redis-server of one run alone, without persistence (a restart forgets everything, as a
    restarted production Redis without a dump would)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER or "redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
             "--save", "", "--appendonly", "no", "--dir", self.folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)  # a child process starting: nothing to await on

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)

    def group_size(self, group: str) -> int:
        try:
            return redis.Redis.from_url(self.url).zcard(f"asgi:group:{group}")
        except redis.ConnectionError:
            return 0


class PrivatePostgres:
    """A PostgreSQL cluster of one run alone (``initdb`` + ``pg_ctl`` on a free port, as the
    ``postgres`` user when run as root), so a run may stop and start it."""

    @staticmethod
    def available() -> bool:
        return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="vs-pg-"))
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True)

    def init(self) -> PrivatePostgres:
        self._run(str(self.bin / "initdb"), "-D", str(self.folder / "data"), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8")  # fmt: skip
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-o", options,
                  "-l", str(self.folder / "log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
