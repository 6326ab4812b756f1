"""`calmap --help`, `db url`, `db status` as whole processes: lazy imports against eager.

Run from the project root (public tools only, nothing to install beyond the project):

    .venv/bin/python bench/bench_cli.py                  # 11 runs of each, interleaved
    .venv/bin/python bench/bench_cli.py --reps 21 --no-cluster

It starts a throwaway embedded PostgreSQL cluster in a temporary directory
under /tmp (``--no-cluster``: none; ``db status`` then says "stopped") and
points ``CALMAP_DATA_DIR`` at it. Every command runs as a new process, the way
a user types it, and is timed from its start to its exit (wall clock, and the
process's own CPU time from the operating system). In the same run, round by
round and in turn, it runs the same command three ways:

new     ``python -m mapping.cli.main …``: this tree, each command importing what it uses.
eager   this tree's app behind a wrapper that first imports every module the
        CLI modules imported at their top before the lazy imports (pandas,
        geopandas, shapely, SQLAlchemy's ORM, the models, the exporters…):
        the old start-up cost with today's commands.
old     ``python -m mapping.cli.main …`` from the last commit with the eager CLI
        (``--old-ref``), unpacked with ``git archive`` into the temporary
        directory; left out when that commit is not in the repository.

Python's bytecode cache goes to the temporary directory
(``PYTHONPYCACHEPREFIX``), filled by the untimed warm-up runs, so no variant
pays for compiling (as after ``pip install``); the warm-up also checks that the
three print the same. Besides the embedded database it times ``db url`` and
``db status`` with ``CALMAP_DATABASE_URL`` set (the cluster as a shared
server): there ``db url`` checks the URL without SQLAlchemy, and ``db status``
connects. See bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from mapping.db.embedded_postgres import Cluster  # noqa: E402

# The last commit whose CLI modules imported everything at their top.
DEFAULT_OLD_REF = "74e5673b0f0bb181861a06ad8ab86cf16e580af3"
TARGET_MS = 500
# What the CLI modules (mapping/cli/*.py then cli*.py, and the survey commands) imported at their
# top before the lazy imports, by today's module names.
EAGER_IMPORTS = (
    "sqlalchemy", "sqlalchemy.orm", "mapping.services.accounts", "mapping.catalog",
    "mapping.config", "mapping.db", "mapping.db.schema", "mapping.db.embedded_postgres",
    "mapping.errors", "mapping.db.models", "mapping.io.export", "mapping.io.qgis_styles",
    "mapping.io.area_import", "mapping.io.point_import", "mapping.io.feature_files",
    "mapping.i18n", "mapping.analysis.changes", "mapping.services.snapshots",
    "mapping.io.spreadsheet_safe", "mapping.db.backup", "surveys.answers", "surveys.xlsform",
    "surveys.indicators", "surveys.publish", "surveys.store", "surveys.templates",
    "surveys.disclosure",
)
WRAPPER = """\
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
from mapping.cli.main import main
main()
"""


@dataclass
class Variant:
    name: str
    argv: list[str]
    root: Path  # the working directory: first on sys.path for `python -m`
    pythonpath: Path


@dataclass
class Case:
    label: str
    args: list[str]
    env: dict[str, str]
    target: bool  # under the ≤ 0.5 s target
    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    peak: dict[str, list[float]] = field(default_factory=dict)


def run_once(
    variant: Variant, case: Case, capture: bool = False
) -> tuple[float, float, float, str]:
    """Wall ms, CPU ms (user + system), peak memory MiB of the child and, if asked, its output."""
    env = {**case.env, "PYTHONPATH": str(variant.pythonpath)}
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*variant.argv, *case.args], cwd=variant.root, env=env,
        stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT if capture else out,
    )
    printed = proc.stdout.read().decode() if capture and proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stdout:
        proc.stdout.close()
    cpu = (usage.ru_utime + usage.ru_stime) * 1000
    return wall, cpu, usage.ru_maxrss / 1024, printed


def old_tree(ref: str, workdir: Path) -> Path | None:
    """The packages as of ``ref``, unpacked under ``workdir``; None without git or the commit."""
    try:
        subprocess.run(["git", "cat-file", "-e", f"{ref}^{{commit}}"], cwd=PROJECT_ROOT,
                       check=True, capture_output=True)
        archive = subprocess.run(["git", "archive", ref, "mapping", "surveys", "geodata"],
                                 cwd=PROJECT_ROOT, check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    target = workdir / "old"
    target.mkdir()
    archive_path = workdir / "old.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(target, filter="data")
    archive_path.unlink()
    return target


def normalised(text: str) -> str:
    """What a command printed, without the usage line (the wrapper's program name differs)."""
    return "\n".join(line for line in text.splitlines() if "Usage:" not in line)


def summary(values: list[float]) -> str:
    return (f"{min(values):>7.0f}{statistics.median(values):>8.0f}{max(values):>7.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=11,
                        help="timed runs of each command and variant (default 11, at least 7)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    parser.add_argument("--old-ref", default=DEFAULT_OLD_REF,
                        help="the commit with the eager CLI ('' to leave it out)")
    parser.add_argument("--no-cluster", action="store_true",
                        help="no database: db status says 'stopped', no shared-server cases")
    args = parser.parse_args()
    if args.reps < 7:
        parser.error("--reps: at least 7")

    # Under /tmp, readable by all: run as root, the server runs as `postgres`.
    workdir = Path(tempfile.mkdtemp(prefix="calmap-bench-cli-", dir="/tmp"))
    workdir.chmod(0o755)
    cluster = Cluster(workdir)
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith("CALMAP_") and k != "PYTHONDONTWRITEBYTECODE"}
    base_env.update(PYTHONPYCACHEPREFIX=str(workdir / "pycache"), COLUMNS="100")
    try:
        started = time.perf_counter()
        if not args.no_cluster:
            cluster.start()
        wrapper = workdir / "eager_calmap.py"
        wrapper.write_text(WRAPPER.format(modules=EAGER_IMPORTS))
        variants = [
            Variant("new", [sys.executable, "-m", "mapping.cli.main"], PROJECT_ROOT, PROJECT_ROOT),
            Variant("eager", [sys.executable, str(wrapper)], workdir, PROJECT_ROOT),
        ]
        old = old_tree(args.old_ref, workdir) if args.old_ref else None
        if old is not None:
            variants.append(Variant("old", [sys.executable, "-m", "mapping.cli.main"], old, old))
        else:
            print(f"old: commit {args.old_ref or '(none)'} not available, left out")

        embedded = {**base_env, "CALMAP_DATA_DIR": str(workdir)}
        shared = {**base_env, "CALMAP_DATABASE_URL": cluster.url()}
        cases = [
            Case("calmap --help", ["--help"], embedded, True),
            Case("calmap db url", ["db", "url"], embedded, True),
            Case("calmap db status", ["db", "status"], embedded, True),
            Case("calmap db url (shared)", ["db", "url"], shared, False),
        ]
        if not args.no_cluster:
            cases.append(Case("calmap db status (shared)", ["db", "status"], shared, False))
        print(f"setup in {time.perf_counter() - started:.1f} s; variants: "
              f"{', '.join(v.name for v in variants)}"
              + (f" (old = {args.old_ref[:10]})" if old is not None else ""))

        # Warm-up: fills the bytecode cache; all variants must print the same.
        for case in cases:
            printed = {}
            for _ in range(args.warmup):
                for variant in variants:
                    printed[variant.name] = normalised(run_once(variant, case, capture=True)[3])
            first = printed["new"]
            differ = [name for name, text in printed.items() if text != first]
            if differ:
                print(f"{case.label}: {', '.join(differ)} printed something else than new:\n"
                      f"new:\n{first}\n{differ[0]}:\n{printed[differ[0]]}")
                return 1
            shown = next((line.strip() for line in first.splitlines() if line.strip()), "")
            print(f"{case.label}: {shown or '(nothing)'}")

        # Round by round, every variant in turn; the order rotates each round.
        for rep in range(args.reps):
            order = variants[rep % len(variants):] + variants[:rep % len(variants)]
            for case in cases:
                for variant in order:
                    wall, cpu, peak, _ = run_once(variant, case)
                    case.wall.setdefault(variant.name, []).append(wall)
                    case.cpu.setdefault(variant.name, []).append(cpu)
                    case.peak.setdefault(variant.name, []).append(peak)
            print(f"  round {rep + 1}/{args.reps}", end="\r", flush=True)

        print(f"\nwhole processes, {args.reps} runs each, interleaved (ms; load average now "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        print(f"{'':<34}{'wall: min':>9}{'median':>8}{'max':>7}{'CPU: min':>10}{'median':>8}"
              f"{'max':>7}{'peak MiB':>10}")
        verdicts = []
        for case in cases:
            print(case.label)
            for variant in variants:
                print(f"  {variant.name:<32}{summary(case.wall[variant.name])}"
                      f"  {summary(case.cpu[variant.name])}"
                      f"{statistics.median(case.peak[variant.name]):>10.0f}")
            for variant in variants[1:]:
                # Pair by pair: each round's runs saw the same machine.
                pairs = [b / a for a, b in zip(case.wall["new"], case.wall[variant.name],
                                               strict=True)]
                cpu = statistics.median(case.cpu[variant.name]) / statistics.median(case.cpu["new"])
                print(f"  ratio {variant.name}/new: {statistics.median(pairs):.1f}× wall "
                      f"(median of the rounds' ratios), {cpu:.1f}× CPU (of the medians)")
            if case.target:
                median = statistics.median(case.wall["new"])
                verdicts.append(f"{case.label} {median:.0f} ms "
                                f"{'met' if median <= TARGET_MS else 'MISSED'}")
        print(f"target: new median ≤ {TARGET_MS} ms wall: {'; '.join(verdicts)}")
    finally:
        if not args.no_cluster:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
