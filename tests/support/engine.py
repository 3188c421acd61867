"""A real `manage.py runengine` process for tests, on the test database."""

import subprocess
import sys
from pathlib import Path

from tests.support.servers import ROOT, free_port, port_open, test_database_env, wait_until

SECRET = "engine-transport-test-secret"


class Engine:
    """A `manage.py runengine` process on a fixed port, to be killed, stopped and started again."""

    def __init__(self, log_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.log_dir, self.starts = log_dir, 0
        self.env = test_database_env(SECRET_KEY=SECRET, **env)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.starts += 1
        self.log_path = self.log_dir / f"engine-{self.starts}.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "manage.py", "runengine", "--port", str(self.port),
                                             "--grace", "600"],
                                            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: port_open(self.port), self.process, what="runengine", log_path=self.log_path)

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
