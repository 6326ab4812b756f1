"""The whole June pack for the demo city: calmap's pack against a naive sequential version.

Run from the project root (public tools only, nothing to install beyond the project):

    .venv/bin/python bench/bench_june.py              # 1× and 10× pins, ours and naive
    .venv/bin/python bench/bench_june.py --no-naive   # ours only (quicker)

It starts a throwaway PostgreSQL + PostGIS cluster under /tmp, loads the
demo (Wrocław: 48 estates, 10 teams), adds generated pins in every estate
(``--pins`` per estate, mostly public), takes snapshot "Czerwiec 2025",
changes a tenth of the pins, adds more, takes "Czerwiec 2026", and renders
Wrocław's pack (48 area maps + 10 team maps + the city; PDF, PPTX and HTML)
compared with 2025:

ours   ``build.plan_pack`` (two history reads for the whole city, every map cut
       out in memory) + ``pack.render_pack`` on every core (the static map
       drawn once per map, for the poster and the deck).
naive  for each map in turn, in this process: ``read_export`` of that map from
       the database for both snapshots, ``changes.compare`` of the two, then the
       poster, the deck and the HTML one after another, each drawing its own
       static map (the map drawn twice).

Then the pins are multiplied by ten (``--scale``) and ours runs again: the
time per map must stay flat. Peak memory is the largest sum of the resident
set sizes of this process and its workers, sampled every 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from mapping import catalog, demo  # noqa: E402
from mapping.analysis import changes
from mapping.db import schema
from mapping.db.embedded_postgres import Cluster  # noqa: E402
from mapping.reports import build, pack  # noqa: E402
from mapping.services import export_rows, snapshots
from mapping.services.accounts import Actor  # noqa: E402

CITY = "Wrocław"
ADMIN = Actor(id=0, username="bench", role="admin")
TARGET_SECONDS = 90
TARGET_MEMORY_MB = 1536


class MemorySampler:
    """Peak of (this process + its children) resident memory, sampled from /proc."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss_kb(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _tree(self) -> list[int]:
        me = os.getpid()
        pids = [me]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if ppid == me:
                    pids.append(int(entry.name))
        return pids

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(self._rss_kb(p) for p in self._tree()))
            self._stop.wait(0.1)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def add_pins(engine, per_estate: int, seed: int) -> int:
    """``per_estate`` generated resources, partners and needs in every Wrocław estate."""
    with Session(engine) as session, session.begin():
        categories = session.execute(text(
            "SELECT vocabulary, array_agg(code ORDER BY code), array_agg(parent_code ORDER BY code)"
            " FROM category GROUP BY vocabulary")).all()
        codes = {v: (list(c), list(p)) for v, c, p in categories}
        resources, kinds = codes["resource_category"]
        sectors = codes["partner_sector"][0]
        needs = codes["need_category"][0]
        params = {"n": per_estate, "seed": seed, "city": CITY, "cats": resources,
                  "kinds": kinds, "k": len(resources), "sectors": sectors, "s": len(sectors),
                  "needs": needs, "m": len(needs)}
        estates = """
            WITH e AS (SELECT a.id, a.geom FROM area a JOIN team t ON t.id = a.team_id
                       WHERE a.kind = 'estate' AND t.city = :city AND a.retired_at IS NULL),
            p AS (SELECT e.id AS area_id, row_number() OVER () AS i, d.geom
                  FROM e, ST_Dump(ST_GeneratePoints(e.geom, :n, :seed)) AS d)
        """
        visibility = ("CASE WHEN i % 10 = 0 THEN 'team' WHEN i % 10 = 1 THEN 'partnership' "
                      "ELSE 'public' END")
        session.execute(text(estates + f"""
            INSERT INTO resource (name, kind, category, address, visibility, area_id, geom,
                                  source)
            SELECT 'Zasób ' || :seed || '-' || i, (CAST(:kinds AS text[]))[1 + i % :k],
                   (CAST(:cats AS text[]))[1 + i % :k], 'ul. Żeromskiego ' || (i % 90 + 1),
                   {visibility}, area_id, geom, 'bench' FROM p"""), params)
        session.execute(text(estates + f"""
            INSERT INTO partner (name, sector, visibility, area_id, geom, source)
            SELECT 'Partner ' || :seed || '-' || i, (CAST(:sectors AS text[]))[1 + i % :s],
                   {visibility}, area_id, geom, 'bench' FROM p WHERE i % 3 = 0"""), params)
        session.execute(text(estates + f"""
            INSERT INTO need (name, category, priority, status, source_method, visibility,
                              area_id, geom, source)
            SELECT 'Potrzeba ' || :seed || '-' || i, (CAST(:needs AS text[]))[1 + i % :m],
                   1 + i % 3, 'identified', 'survey', {visibility}, area_id, geom, 'bench'
            FROM p WHERE i % 2 = 0"""), params)
        return int(session.scalar(text(
            "SELECT (SELECT count(*) FROM resource) + (SELECT count(*) FROM partner)"
            " + (SELECT count(*) FROM need)")))


def change_some(engine) -> None:
    """A year of work: a tenth of the needs move on, some resources close."""
    with Session(engine) as session, session.begin():
        session.execute(text("UPDATE need SET status = CASE WHEN id % 2 = 0 THEN 'met' "
                             "ELSE 'being_addressed' END WHERE id % 10 = 3"))
        session.execute(text("UPDATE resource SET retired_at = now() WHERE id % 20 = 7"))


def snapshot(engine, name: str) -> None:
    """A snapshot at this exact moment (two snapshots on one day need exact moments)."""
    time.sleep(0.05)
    with Session(engine) as session, session.begin():
        snapshots.create_snapshot(session, ADMIN, name, dt.datetime.now(dt.UTC))
    time.sleep(0.05)


@dataclass
class Run:
    """One render of the pack: whole seconds, maps, files, and one area map's median time."""

    seconds: float
    maps: int
    files: int
    per_area: float  # wall clock, in its worker
    per_area_cpu: float  # CPU of its worker


def run_ours(engine, out: Path, workers: int, snapshot_name: str = "Czerwiec 2026") -> Run:
    """Plan and render the pack of ``snapshot_name`` compared with June 2025."""
    started = time.perf_counter()
    with Session(engine) as session:
        plan = build.plan_pack(session, build.PackRequest(
            snapshot=snapshot_name, compare="Czerwiec 2025", city=CITY))
    planned = time.perf_counter()
    result = pack.render_pack(plan, out, workers=workers)
    done = time.perf_counter()
    pins = [sum(c.count(layer) for layer in build.PIN_LAYERS) for c in plan.contents]
    areas = [c.slug for c in plan.contents if c.unit == "area"]
    run = Run(done - started, len(plan.maps()), len(result.files),
              statistics.median(result.seconds[slug] for slug in areas),
              statistics.median(result.cpu_seconds[slug] for slug in areas))
    print(f"  plan (2 history reads, {len(plan.contents)} maps cut out) {planned - started:.1f} s;"
          f" render {done - planned:.1f} s; pins per area/team map: median "
          f"{sorted(pins)[len(pins) // 2]}, max {max(pins)}; city map "
          f"{sum(plan.city.count(layer) for layer in build.PIN_LAYERS)}; one area map "
          f"(median, in its worker) {run.per_area:.3f} s, CPU {run.per_area_cpu:.3f} s")
    return run


def run_naive(engine, out: Path) -> tuple[float, int, int]:
    """Every map read from the database on its own and rendered format by format."""
    started = time.perf_counter()
    with Session(engine) as session:
        plan = build.plan_pack(session, build.PackRequest(
            snapshot="Czerwiec 2026", compare="Czerwiec 2025", city=CITY))
        then = snapshots.get_snapshot(session, "Czerwiec 2025").taken_at
        now = snapshots.get_snapshot(session, "Czerwiec 2026").taken_at
        files = 0
        for content in plan.maps():
            selection = ({"team_id": content.unit_id} if content.unit == "team"
                         else {"area_id": content.unit_id} if content.unit == "area" else {})
            audience = build.MEETING_AUDIENCE
            before = export_rows.read_export(session, audience, as_of=then, **selection)
            after = export_rows.read_export(session, audience, as_of=now, **selection)
            changes.compare(before, after)
            for fmt in pack.FORMATS:
                files += len(pack.render_unit(content, out, [fmt], "A3", None).files)
    return time.perf_counter() - started, len(plan.maps()), files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pins", type=int, default=24,
                        help="generated resources per estate (partners a third, needs a half)")
    parser.add_argument("--scale", type=int, default=10, help="pins multiplied for the 2nd run")
    parser.add_argument("--workers", type=int, default=pack.default_workers())
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--rounds", type=int, default=2,
                        help="renders of the bigger city, each after one of the demo's size")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="calmap-bench-june-", dir="/tmp"))
    workdir.chmod(0o755)  # run as root, the server runs as `postgres`
    cluster = Cluster(workdir / "db")
    try:
        started = time.perf_counter()
        cluster.start()
        engine = create_engine(cluster.url())
        schema.upgrade(engine)
        with Session(engine) as session, session.begin():
            catalog.install_defaults(session)
            demo.load_demo(session)
        add_pins(engine, args.pins, seed=1)
        snapshot(engine, "Czerwiec 2025")
        change_some(engine)
        total = add_pins(engine, max(1, args.pins // 4), seed=2)
        snapshot(engine, "Czerwiec 2026")
        print(f"setup: demo + {total:,} pins in {time.perf_counter() - started:.1f} s; "
              f"{args.workers} workers; load average {os.getloadavg()[0]:.1f}")

        with MemorySampler() as memory:
            ours = run_ours(engine, workdir / "ours", args.workers)
        print(f"ours   {ours.seconds:7.1f} s  {ours.maps} maps, {ours.files} files, "
              f"{ours.seconds / ours.maps:.2f} s per map, "
              f"peak memory {memory.peak_kb / 1024:.0f} MB")
        if not args.no_naive:
            with MemorySampler() as naive_memory:
                naive_seconds, naive_maps, naive_files = run_naive(engine, workdir / "naive")
            print(f"naive  {naive_seconds:7.1f} s  {naive_maps} maps, {naive_files} files, "
                  f"{naive_seconds / naive_maps:.2f} s per map, "
                  f"peak memory {naive_memory.peak_kb / 1024:.0f} MB")
            print(f"ratio naive/ours: {naive_seconds / ours.seconds:.1f}×")

        # The bigger city is a snapshot of its own: the June 2026 one still
        # reads as it was, so the two sizes can take turns on the machine.
        more = add_pins(engine, args.pins * (args.scale - 1), seed=3)
        big_name = f"Czerwiec 2026 ×{args.scale}"
        snapshot(engine, big_name)
        small_runs, big_runs = [ours], []
        for round_ in range(args.rounds):
            with MemorySampler() as big_memory:
                big = run_ours(engine, workdir / f"big{round_}", args.workers, big_name)
            big_runs.append(big)
            print(f"ours ×{args.scale} pins ({more:,}): {big.seconds:.1f} s  {big.maps} maps, "
                  f"{big.files} files, {big.seconds / big.maps:.2f} s per map, "
                  f"peak memory {big_memory.peak_kb / 1024:.0f} MB")
            if round_ + 1 < args.rounds:
                small_runs.append(run_ours(engine, workdir / f"small{round_}", args.workers))
        # The machine's speed drifts by tens of percent over minutes (other
        # tenants): each size's best round is compared.
        small = min(small_runs, key=lambda r: r.seconds)
        big = min(big_runs, key=lambda r: r.seconds)
        area = min(r.per_area for r in big_runs) / min(r.per_area for r in small_runs)
        area_cpu = min(r.per_area_cpu for r in big_runs) / min(r.per_area_cpu for r in small_runs)
        print(f"best of {len(small_runs)} and {len(big_runs)} rounds: 1× {small.seconds:.1f} s, "
              f"×{args.scale} {big.seconds:.1f} s; per map ×"
              f"{(big.seconds / big.maps) / (small.seconds / small.maps):.2f}; one area map "
              f"×{area:.2f} (clock), ×{area_cpu:.2f} (CPU)")
        print(f"targets: < {TARGET_SECONDS} s, peak < {TARGET_MEMORY_MB} MB, "
              "per-map time flat as pins grow; load average now "
              f"{os.getloadavg()[0]:.1f}")
        engine.dispose()
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
