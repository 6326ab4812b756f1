"""Start the real app with `streamlit run` on a free port, for tests that need HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(
    env: dict[str, str] | None = None, timeout: float = 90.0, port: int | None = None,
    script: str | None = None,
) -> Iterator[str]:
    """Run streamlit_app.py until the block ends; yield its base URL. Always stops it.

    ``port`` (default: a free one) lets a test stop the app and start it again
    where an open page expects it; ``script`` runs another entry point
    (``serve_compressed.py``); without it, ``$TEST_APP_ENTRY`` or streamlit_app.py, so
    the browser tests can be run against another entry point as a whole.
    """
    script = script or os.environ.get("TEST_APP_ENTRY") or "streamlit_app.py"
    port = port or free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CALMAP_")}
    environment.update(env or {})
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", script,
                "--server.port", str(port),
                "--server.address", "127.0.0.1",
                "--server.headless", "true",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if server.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"streamlit exited early:\n{log.read().decode()}")
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:
                        if reply.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer on {base} in {timeout} s")
                time.sleep(0.3)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=15)
