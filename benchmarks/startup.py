"""What each start-up trick saves, measured side by side (issue 12 section 6).

Each trick is timed with and without itself, in fresh processes, as CPU time
(the least of `--runs`: on a shared machine wall time measures the neighbours),
so that a trick that no longer pays shows it:

  lazy httpx       `import trio, httpx` and the transport, after what a warm
                   `rex image` imports: what a cache-answered command skips
  gc off           importing the TUI and reading a 100,000-name cached catalog,
                   with the collector off vs on (what launch() does)
  gc freeze        one full collection after the TUI is imported, frozen vs not
  os._exit         interpreter teardown after a network command's imports (the
                   CPU time of the whole process, with and without)
  Frozen           defining the engine's Frozen dataclasses, as they are vs
                   with the generated __eq__/__hash__/__repr__
  DiffScreen       bytes and time a frame while a filter is typed into a 120x40
                   three-pane screen, vs urwid's raw screen

then every function-level import in engine/ and rex_tui/: what importing its
module costs once the function's own module, and what the TUI or the CLI has
imported by then, are imported (0 when something else imported it already).
Under 1 ms, it belongs at the top.

Run `.venv/bin/python benchmarks/startup.py`; the last line is JSON.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import io
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

THRESHOLD_MS = 1.0
# Imports from compiled bytecode, as an installed rex-tui has it: compiled once in main(),
# then read (never written) by every measured process.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(REPO)


def in_process(code: str, runs: int, pick: Callable[[list[float]], float] = min) -> float:
    """The least (by default) of the floats fresh interpreters print after running `code`:
    what it costs when nothing else on the machine gets in the way."""
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=ENV, check=True
        ).stdout
        samples.append(float(out.split()[-1]))
    return pick(samples)


def process_cpu(code: str, runs: int) -> float:
    """Least CPU time (user + system) of a whole fresh interpreter running `code`, in ms."""
    samples = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], env=ENV, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        samples.append(used * 1000)
    return min(samples)


def timed_import(setup: str, statement: str) -> str:
    """Code printing how long `statement` takes (ms) once `setup` has run."""
    return (
        f"import time\n{setup}\nt = time.process_time()\n{statement}\n"
        "print((time.process_time() - t) * 1000)"
    )


WARM_IMAGE = "import rex_tui.cli.main, rex_tui.cli.context, rex_tui.cli.commands.image"
TUI = "import rex_tui.tui.launch"


def lazy_httpx(runs: int) -> tuple[float, float]:
    cost = in_process(
        timed_import(WARM_IMAGE, "import engine.transport.registry, engine.transport.auth"), runs
    )
    return cost, 0.0


# What a warm TUI start builds besides its modules: a cached catalog of 100,000 names.
_CATALOG = (
    "import json; names = [f'team-{i % 40:02d}/service-{i:06d}' for i in range(100_000)]; "
    "blob = json.dumps({'repositories': names}); del names"
)
_START = f"{TUI}; catalog = json.loads(blob)['repositories']"


def gc_off(runs: int) -> tuple[float, float]:
    on = in_process(timed_import(_CATALOG, _START), runs)
    off = in_process(timed_import(f"{_CATALOG}; import gc; gc.disable()", _START), runs)
    return on, off


def gc_freeze(runs: int) -> tuple[float, float]:
    plain = in_process(timed_import(f"import gc; {TUI}", "gc.collect()"), runs)
    frozen = in_process(timed_import(f"import gc; {TUI}; gc.freeze()", "gc.collect()"), runs)
    return plain, frozen


def exit_teardown(runs: int) -> tuple[float, float]:
    imports = f"{WARM_IMAGE}, engine.transport.registry, engine.transport.auth"
    normal: list[float] = []
    fast: list[float] = []
    for _ in range(2 * runs):  # alternated: a small difference between two large totals
        normal.append(process_cpu(f"{imports}\nimport sys; sys.exit(0)", 1))
        fast.append(process_cpu(f"{imports}\nimport os; os._exit(0)", 1))
    return min(normal), min(fast)


_DEFINE_FROZEN = """
import dataclasses, time, engine, engine.frozen, rex_tui.cli.main, rex_tui.tui.launch
import engine.transport.registry, engine.transport.auth
def every(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from every(sub)
classes = [c for c in every(engine.frozen.Frozen) if dataclasses.is_dataclass(c)]
def define(generated):
    started = time.process_time()
    for cls in classes:
        names = [f.name for f in dataclasses.fields(cls)]
        body = {"__annotations__": dict.fromkeys(names, "object")}
        kind = type(cls.__name__, (engine.frozen.Frozen,) if not generated else (), body)
        dataclasses.dataclass(frozen=True, slots=True, eq=generated, repr=generated)(kind)
    return (time.process_time() - started) * 1000
define(False); define(True)  # warm the dataclasses module's own caches
print(len(classes), define(GENERATED))
"""


def frozen_base(runs: int) -> tuple[float, float, int]:
    generated = in_process(_DEFINE_FROZEN.replace("GENERATED", "True"), runs)
    frozen = in_process(_DEFINE_FROZEN.replace("GENERATED", "False"), runs)
    count = in_process(_DEFINE_FROZEN.replace("define(GENERATED)", "''"), 1)
    return generated, frozen, int(count)


def diff_screen(frames: int = 30) -> tuple[float, float, float, float]:
    """(bytes, ms) a frame for urwid's raw screen and DiffScreen while a filter is typed."""
    import urwid

    from rex_tui.tui.screen import DiffScreen

    names = [f"team-{i % 40:02d}/service-{i:05d}-backend" for i in range(2000)]
    palette = [("focus", "black", "light gray"), ("dim", "dark gray", "black")]

    def frame(query: str) -> urwid.Canvas:
        shown = [n for n in names if query in n][:38]
        rows = [urwid.AttrMap(urwid.Text(n, wrap="clip"), None, "focus") for n in shown]
        left = urwid.ListBox(urwid.SimpleFocusListWalker(rows or [urwid.Text("none")]))
        tags = urwid.ListBox(
            urwid.SimpleFocusListWalker(
                [urwid.Text(("dim", f"v1.{i}.0  sha256:{i:064x}"[:40])) for i in range(38)]
            )
        )
        right = urwid.Filler(urwid.Text("details of the selected image\n" * 30), "top")
        body = urwid.Columns([left, tags, right])
        return urwid.Frame(body, footer=urwid.Text(f"/ {query}")).render((120, 40), focus=True)

    queries = ["1" * 0] + [f"service-0{i:04d}"[: 9 + i % 5] for i in range(frames)]
    canvases = [frame(q) for q in queries]
    results = []
    for kind in (urwid.display.raw.Screen, DiffScreen):
        master, slave = os.openpty()
        output = io.StringIO()
        with os.fdopen(slave, "rb", buffering=0) as keyboard:
            screen = kind(input=keyboard, output=output)
            screen.set_terminal_properties(colors=256)
            screen.register_palette(palette)
            screen.start()
            try:
                screen.draw_screen((120, 40), canvases[0])
                written = output.tell()
                started = time.process_time()
                for canvas in canvases[1:]:
                    screen.draw_screen((120, 40), canvas)
                elapsed = time.process_time() - started
                written = output.tell() - written
            finally:
                screen.stop()
                os.close(master)
        results.append((written / frames, elapsed / frames * 1000))
    (plain_bytes, plain_ms), (diff_bytes, diff_ms) = results
    return plain_bytes, diff_bytes, plain_ms, diff_ms


def function_imports() -> list[tuple[str, int, str, str]]:
    """(module, line, imported module, statement) of every import inside a function."""
    found = []
    for path in sorted([*REPO.glob("engine/**/*.py"), *REPO.glob("rex_tui/**/*.py")]):
        if "testing" in path.parts:
            continue
        module = ".".join(path.relative_to(REPO).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        seen: set[int] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import | ast.ImportFrom) and sub.lineno not in seen:
                    seen.add(sub.lineno)
                    target = sub.module if isinstance(sub, ast.ImportFrom) else sub.names[0].name
                    if isinstance(sub, ast.ImportFrom) and sub.level:
                        continue
                    found.append((module, sub.lineno, target or "", ast.unparse(sub)))
    return found


def entry_point(module: str) -> str:
    """What a real start has imported by the time `module` is: the TUI's or the CLI's."""
    if module.startswith("rex_tui.tui."):
        return "import rex_tui.tui.launch"
    if module.startswith("rex_tui.cli."):
        return "import rex_tui.cli.main, rex_tui.cli.context, rex_tui.cli.parser"
    return ""


def import_costs(runs: int) -> list[tuple[str, int, str, float]]:
    costs = []
    for module, line, _, statement in function_imports():
        setup = f"{entry_point(module)}\nimport {module}"
        ms = in_process(timed_import(setup, statement), runs)
        costs.append((module, line, statement, ms))
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-imports", action="store_true", help="skip the per-import table")
    args = parser.parse_args()
    runs = args.runs
    for package in ("engine", "rex_tui"):
        compileall.compile_dir(REPO / package, quiet=1)
    results: dict[str, float] = {}

    def row(trick: str, without: float, with_: float, unit: str = "ms") -> None:
        print(f"  {trick:34} {without:10.1f} {with_:10.1f} {without - with_:+10.1f} {unit}")
        key = "".join(c if c.isalnum() else "_" for c in trick.split(" classes")[0].lower())
        key = "_".join(part for part in key.split("_") if part)
        results[f"{key}_without"] = round(without, 2)
        results[f"{key}_with"] = round(with_, 2)

    print(f"{'trick':36} {'without':>10} {'with':>10} {'saved':>10}")
    row("lazy httpx (warm rex image)", *lazy_httpx(runs))
    row("gc off (TUI imports + catalog)", *gc_off(runs))
    row("gc freeze (one full collection)", *gc_freeze(runs))
    row("os._exit (process CPU)", *exit_teardown(runs))
    generated, frozen, count = frozen_base(runs)
    row(f"Frozen base ({count} classes defined)", generated, frozen)
    plain_bytes, diff_bytes, plain_ms, diff_ms = diff_screen()
    row("DiffScreen (bytes a frame)", plain_bytes, diff_bytes, "bytes")
    row("DiffScreen (time a frame)", plain_ms, diff_ms)

    if not args.no_imports:
        costs = import_costs(runs)
        cheap = [c for c in costs if c[3] < THRESHOLD_MS]
        print(
            f"\nfunction-level imports: {len(costs)}, {len(cheap)} save under "
            f"{THRESHOLD_MS:g} ms (belong at the top of their module)"
        )
        for module, line, statement, ms in sorted(costs, key=lambda c: -c[3]):
            mark = " " if ms >= THRESHOLD_MS else "*"
            print(f"  {mark} {ms:7.2f} ms  {module}:{line}  {statement[:70]}")
        results["function_imports"] = len(costs)
        results["function_imports_under_1ms"] = len(cheap)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
