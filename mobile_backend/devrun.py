"""`make run`: the sandbox, the API, a worker and beat, until Ctrl-C.

Development only. Keys and the schema are made by the Makefile first.
"""

import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

import requests

from .config import Config
from .devsetup import register_with_sandbox


def _wait_until_up(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not come up at {url}")


def _start(name: str, argv: list[str]) -> subprocess.Popen:
    print(f"starting {name}: {' '.join(argv)}", flush=True)
    # Each child in its own process group, so Ctrl-C is handled here once.
    return subprocess.Popen(argv, start_new_session=True)


def main() -> None:
    config = Config()
    python = sys.executable
    sandbox_url = urlsplit(config.POYNT_API_URL)
    api_url = urlsplit(config.PUBLIC_BASE_URL)
    processes: list[tuple[str, subprocess.Popen]] = []

    def stop(*_args) -> None:
        for name, process in reversed(processes):
            if process.poll() is None:
                print(f"stopping {name}", flush=True)
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        raise SystemExit(0)

    # Development signs in with the sandbox's emulator-style Firebase ID
    # tokens; production never sets this.
    os.environ.setdefault(
        "FIREBASE_AUTH_EMULATOR_HOST", f"{sandbox_url.hostname}:{sandbox_url.port}"
    )
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    sandbox = _start(
        "sandbox",
        [
            python,
            "-m",
            "mobile_backend.sandbox",
            "--host",
            sandbox_url.hostname,
            "--port",
            str(sandbox_url.port),
            "--data-dir",
            os.path.join(config.INSTANCE_PATH, "sandbox"),
        ],
    )
    processes.append(("sandbox", sandbox))
    _wait_until_up(config.POYNT_API_URL + "/healthz", sandbox, "the sandbox")
    register_with_sandbox(config)

    api = _start(
        "api",
        [
            python,
            "-m",
            "gunicorn",
            "wsgi:app",
            "--bind",
            f"{api_url.hostname}:{api_url.port}",
            # One process, so the in-memory rate limits count every request;
            # production shares them through RATELIMIT_STORAGE_URI (Redis).
            "--workers",
            "1",
            "--threads",
            "8",
            "--access-logfile",
            "-",
        ],
    )
    processes.append(("api", api))
    worker = _start(
        "worker",
        [
            python,
            "-m",
            "celery",
            "-A",
            "mobile_backend.celery_app",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "4",
            "--loglevel",
            "INFO",
        ],
    )
    processes.append(("worker", worker))
    beat = _start(
        "beat",
        [python, "-m", "celery", "-A", "mobile_backend.celery_app", "beat"],
    )
    processes.append(("beat", beat))
    _wait_until_up(config.PUBLIC_BASE_URL + "/healthz", api, "the API")

    base = config.PUBLIC_BASE_URL
    print(
        "\nEverything is up. Ctrl-C stops it all.\n"
        f"  API                {base}\n"
        f"  API docs           {base}/docs\n"
        f"  Connect a merchant {base}/merchants/connect\n"
        f"  Sandbox (Poynt+FCM) {config.POYNT_API_URL}\n"
        f"  Sandbox read-outs  {config.POYNT_API_URL}/sandbox/businesses\n",
        flush=True,
    )
    while True:
        for name, process in processes:
            if process.poll() is not None:
                print(f"{name} exited with {process.returncode}; stopping", flush=True)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()
