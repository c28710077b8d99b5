"""Running the installed `rex` console script in a sandbox, and checking result shapes.

Every run gets a private HOME, XDG dirs, keyring file, `--config` and
`--cache-dir` under tmp_path, so nothing reads or writes the real user's files,
and nothing from the developer's environment (REX_*, NO_COLOR, DOCKER_CONFIG)
leaks in.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
REX = Path(sys.executable).parent / "rex"
"""The console script pip installed beside this interpreter (no pyenv shim in between)."""

_LEAKY = ("REX_", "NO_COLOR", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_", "EDITOR", "VISUAL")


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def yaml(self) -> Any:
        return yaml.safe_load(self.stdout)

    def __str__(self) -> str:
        return f"rex {' '.join(self.args)} -> {self.returncode}\n{self.stdout}\n{self.stderr}"


@dataclass
class Rex:
    """`rex(*args)` runs the console script with this sandbox's config, cache and env."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def keyring(self) -> Path:
        return self.root / "keyring.json"

    def command(self, args: Sequence[str]) -> list[str]:
        return [str(REX), "--config", str(self.config), "--cache-dir", str(self.cache), *args]

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_LEAKY)}
        env.update(self.env)
        env.update(extra or {})
        return env

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> Result:
        done = subprocess.run(
            self.command(args),
            input=input,
            env=self.environment(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        result = Result(list(args), done.returncode, done.stdout, done.stderr)
        # The one promise every run keeps, whatever its outcome.
        assert "Traceback" not in result.stderr, str(result)
        return result

    def in_terminal(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
    ) -> Result:
        """Run with stdin, stdout and stderr on a pseudo-terminal; output is both merged."""
        import pty
        import select

        master, slave = pty.openpty()
        process = subprocess.Popen(
            self.command(args),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=self.environment({"TERM": "xterm-256color", **(env or {})}),
            close_fds=True,
        )
        os.close(slave)
        chunks: list[bytes] = []
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                process.send_signal(signal.SIGKILL)
                raise TimeoutError(f"rex {args} did not finish")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(master)
        code = process.wait(timeout)
        text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
        assert "Traceback" not in text, text
        return Result(list(args), code, text, "")


def assert_shape(value: Any, shape: Any, where: str = "$") -> None:
    """`value` has every key of `shape` with the type it gives (extra keys are fine).

    A shape is a type, a tuple of types, a dict of key -> shape, a one-element
    list (every item has that shape) or `MapOf(shape)` (a mapping of strings).
    """
    if isinstance(shape, MapOf):
        assert isinstance(value, dict), f"{where}: expected a mapping, got {value!r}"
        for key, item in value.items():
            assert isinstance(key, str), f"{where}: key {key!r} is not a string"
            assert_shape(item, shape.item, f"{where}.{key}")
    elif isinstance(shape, dict):
        assert isinstance(value, dict), f"{where}: expected an object, got {value!r}"
        for key, inner in shape.items():
            assert key in value, f"{where}: missing key {key!r} (has {sorted(value)})"
            assert_shape(value[key], inner, f"{where}.{key}")
    elif isinstance(shape, list):
        assert isinstance(value, list), f"{where}: expected a list, got {value!r}"
        for index, item in enumerate(value):
            assert_shape(item, shape[0], f"{where}[{index}]")
    else:
        types = shape if isinstance(shape, tuple) else (shape,)
        # bool is an int in Python; the seeds' counts and sizes are never booleans.
        if bool not in types:
            assert not isinstance(value, bool), f"{where}: unexpected boolean {value!r}"
        assert isinstance(value, types), f"{where}: expected {types}, got {value!r}"


@dataclass(frozen=True)
class MapOf:
    item: Any


def parse(result: Result, fmt: str) -> Any:
    assert result.returncode == 0, str(result)
    return result.json() if fmt == "json" else result.yaml()
