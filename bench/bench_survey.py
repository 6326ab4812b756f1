"""Import and aggregate 100,000 survey answers: calmap's path against naive per-row processing.

Run from the project root:

    .venv/bin/python bench/bench_survey.py                 # 100,000 answers
    .venv/bin/python bench/bench_survey.py --rows 20000 --profile

It starts a throwaway PostgreSQL + PostGIS cluster in a temporary directory
under /tmp, migrates it, installs the catalogue and the demo city (Wrocław's
48 estates under its 5 former districts, from geodata/files), adds an editor
of team WRO-ZTPS-07, generates N answers to the shipped estate questionnaire
spread over the 48 estates (about 30% placed by a geopoint, the rest by the
estate answer) and writes them as one KoboToolbox CSV export (`;`, group
paths, select_multiple both as one column and as 1/0 columns per choice,
`_geolocation`). Then, in the same run, each path imports the same file into
a wave of its own and aggregates it:

ours   surveys.answers (read, map columns, parse), surveys.store.check_answers
       (estates by name, points in one STRtree query), one INSERT … SELECT FROM
       unnest(…) per 25,000 rows, commit, then store.counts (GROUP BY in the
       database) and indicators.build_table + disclosure.protect; all as the
       signed-in editor under row-level security.
naive  csv.DictReader; per row: the estate's area by name or the point's area
       with ST_Covers (one query each), a query for a duplicate key, an ORM
       insert flushed per row; commit; then every answer loaded through the ORM
       and counted in Python, and the same build_table + protect.

Both must give the same counts. See bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import hashlib
import hmac
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import shapely
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from geodata.boundaries import read_boundaries  # noqa: E402
from mapping import catalog, db, demo  # noqa: E402
from mapping.db import schema
from mapping.db.embedded_postgres import Cluster  # noqa: E402
from mapping.db.models import Area, SurveyResponse, Team  # noqa: E402
from mapping.services import accounts
from surveys import answers, indicators, samples, store, templates, xlsform  # noqa: E402
from surveys.disclosure import Thresholds, protect  # noqa: E402

ESTATES = PROJECT_ROOT / "geodata" / "files" / "wroclaw_osiedla_48.geojson"
NAMES = PROJECT_ROOT / "geodata" / "files" / "wroclaw_osiedla_to_dzielnice.csv"
TEAM = "WRO-ZTPS-07"
TARGET_SECONDS = 20
TARGET_RATIO = 5


def estate_shapes() -> dict[str, shapely.Geometry]:
    frame, _ = read_boundaries(ESTATES, "osiedle")
    with NAMES.open(encoding="utf-8") as handle:
        official = {int(r["id_sip"]): r["osiedle_official_name"] for r in csv.DictReader(handle)}
    return {official[int(i)]: g for i, g in zip(frame["id"], frame.geometry, strict=True)}


def setup(engine, rows: int) -> tuple[accounts.Actor, xlsform.FormDefinition, bytes, bytes]:
    with Session(engine) as session, session.begin():
        catalog.install_defaults(session)
        demo.load_demo(session)
        actor = accounts.add_user(session, "bench-editor", None, "editor", [TEAM])
    content = templates.template_xlsx("estate", "2026")
    form = xlsform.load_xlsform(content)
    respondents = samples.generate(form, rows, estate_shapes(), seed=2026)
    return actor, form, content, samples.kobo_csv(form, respondents)


def new_wave(engine, actor, form, xlsform, name: str) -> int:
    with db.session_scope(engine, actor.username, restricted=True) as session:
        row = store.register_form(session, form, xlsform, actor)
        team = session.scalar(select(Team.id).where(Team.code == TEAM))
        return store.create_wave(session, actor, row, name, team).id


def table_for(session: Session, form, respondents, by_category):
    areas = {
        i: (p, n, k)
        for i, p, n, k in session.execute(select(Area.id, Area.parent_id, Area.name, Area.kind))
    }
    sensitive = {
        f"need:{e.code}" for e in catalog.entries(session, "need_category") if e.sensitive
    }
    limits = Thresholds()
    categories = form.categories()
    thresholds = {c: limits.for_category(c in sensitive) for c in categories}
    return indicators.build_table(areas, respondents, by_category, categories, thresholds,
                                  limits.default, form.partitions())


# --- the two paths ------------------------------------------------------------------------


def ours(engine, actor, form, content: bytes, wave_id: int, steps: dict[str, float]):
    t0 = time.perf_counter()
    table = answers.read_export(content, "kobo.csv")
    mapping = answers.map_columns(form, table)
    parsed = answers.parse_answers(form, table, mapping)
    t1 = time.perf_counter()
    with db.session_scope(engine, actor.username, restricted=True) as session:
        wave = session.get(store.SurveyWave, wave_id)
        checked = store.check_answers(session, form, wave.team_id, parsed, wave)
        t2 = time.perf_counter()
        if checked.report.errors:
            raise AssertionError(f"ours: {len(checked.report.errors)} row errors")
        store._insert(session, wave_id, checked.rows)
        t3 = time.perf_counter()
    t4 = time.perf_counter()
    with db.session_scope(engine, actor.username, restricted=True) as session:
        counted = store.counts(session, wave_id)
        t5 = time.perf_counter()
        built = table_for(session, form, counted.respondents, counted.categories)
    protection = protect(built.cells, built.relations, built.bounds)
    t6 = time.perf_counter()
    steps.update({
        "read, map columns, parse": t1 - t0,
        "place in areas, duplicates": t2 - t1,
        "store": (t3 - t2) + (t4 - t3),
        "aggregate": t5 - t4,
        "disclosure control": t6 - t5,
    })
    return counted.respondents, counted.categories, protection


def naive(engine, actor, form, content: bytes, wave_id: int, steps: dict[str, float]):
    t0 = time.perf_counter()
    questions = form.mapped_questions
    choices = {q.xpath: {c.name: c.category for c in q.choices} for q in questions}
    estates = {c.name: c.area for c in form.area_question.choices}
    with db.session_scope(engine, actor.username, restricted=True) as session:
        wave = session.get(store.SurveyWave, wave_id)
        for row in csv.DictReader(io.StringIO(content.decode("utf-8")), delimiter=";"):
            values, categories = {}, set()
            for question in questions:
                picked = row[question.xpath].split()
                for name in picked:
                    if name not in choices[question.xpath]:
                        raise AssertionError(f"naive: {name!r} is not a choice")
                    if choices[question.xpath][name]:
                        categories.add(choices[question.xpath][name])
                if picked:
                    values[question.name] = picked if question.kind == "select_multiple" \
                        else picked[0]
            estate = estates.get(row["gdzie/osiedle"])
            if estate:
                area_id = session.scalar(
                    select(Area.id).where(Area.name == estate, Area.kind == "estate")
                )
            else:
                lat, lon = (float(v) for v in row["gdzie/punkt"].split()[:2])
                area_id = session.scalar(
                    select(Area.id).where(
                        Area.kind == "estate",
                        func.ST_Covers(Area.geom, func.ST_SetSRID(func.ST_MakePoint(lon, lat),
                                                                  4326)),
                    ).limit(1)
                )
            key = hmac.new(wave.secret, row["_uuid"].encode(), hashlib.sha256).hexdigest()[:32]
            if session.scalar(select(SurveyResponse.id).where(
                SurveyResponse.wave_id == wave_id, SurveyResponse.respondent_key == key
            )):
                raise AssertionError("naive: duplicate")
            session.add(SurveyResponse(wave_id=wave_id, area_id=area_id, respondent_key=key,
                                       categories=sorted(categories), answers=values))
            session.flush()
    t1 = time.perf_counter()
    respondents: Counter[int] = Counter()
    by_category: Counter[tuple[int, str]] = Counter()
    with db.session_scope(engine, actor.username, restricted=True) as session:
        for response in session.scalars(
            select(SurveyResponse).where(SurveyResponse.wave_id == wave_id)
        ):
            respondents[response.area_id] += 1
            for category in response.categories:
                by_category[(response.area_id, category)] += 1
        t2 = time.perf_counter()
        built = table_for(session, form, respondents, by_category)
    protection = protect(built.cells, built.relations, built.bounds)
    t3 = time.perf_counter()
    steps.update({
        "read, place, store (per row)": t1 - t0,
        "aggregate": t2 - t1,
        "disclosure control": t3 - t2,
    })
    return dict(respondents), dict(by_category), protection


def timed(run, steps: dict[str, float]):
    start, cpu = time.perf_counter(), time.process_time()
    result = run(steps)
    steps["total"] = time.perf_counter() - start
    steps["cpu (this process)"] = time.process_time() - cpu
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="answers (default 100,000)")
    parser.add_argument("--profile", action="store_true", help="cProfile ours once more")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="calmap-bench-survey-", dir="/tmp"))
    # Readable by all: run as root, the server runs as `postgres`.
    workdir.chmod(0o755)
    cluster = Cluster(workdir)
    try:
        started = time.perf_counter()
        cluster.start()
        engine = create_engine(cluster.url())
        schema.upgrade(engine)
        actor, form, xlsform, content = setup(engine, args.rows)
        print(f"setup: cluster, schema, demo city, {args.rows:,} answers as a Kobo CSV "
              f"({len(content) / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
        # Warm imports, the solver and the database's buffers on a small file.
        warm = content[: content.index(b"\n", len(content) // 50) + 1]
        ours(engine, actor, form, warm, new_wave(engine, actor, form, xlsform, "warm"), {})

        ours_steps: dict[str, float] = {}
        naive_steps: dict[str, float] = {}
        mine = timed(lambda s: ours(engine, actor, form, content,
                                    new_wave(engine, actor, form, xlsform, "ours"), s),
                     ours_steps)
        print(f"ours: {ours_steps['total']:.1f} s; now naive (per row, takes a while)…",
              flush=True)
        theirs = timed(lambda s: naive(engine, actor, form, content,
                                       new_wave(engine, actor, form, xlsform, "naive"), s),
                       naive_steps)
        if (mine[0], mine[1]) != (theirs[0], theirs[1]) or mine[2] != theirs[2]:
            raise AssertionError("ours and naive disagree on the counts or the suppression")
        hidden = len(mine[2].hidden)
        print(f"\n{args.rows:,} answers over Wrocław's 48 estates: import + aggregate "
              f"(same counts and {hidden} hidden cells both ways; {len(mine[0])} areas "
              "with respondents; seconds)")
        print(f"{'':<32}{'ours':>9}{'naive':>9}")
        for name in ("read, map columns, parse", "place in areas, duplicates", "store",
                     "read, place, store (per row)", "aggregate", "disclosure control",
                     "total", "cpu (this process)"):
            a, b = ours_steps.get(name), naive_steps.get(name)
            print(f"{name:<32}{'' if a is None else f'{a:>9.2f}':>9}"
                  f"{'' if b is None else f'{b:>9.2f}':>9}")
        ratio = naive_steps["total"] / ours_steps["total"]
        print(f"ratio naive/ours: {ratio:.1f}× (load average now {os.getloadavg()[0]:.1f})")
        print(f"target < {TARGET_SECONDS} s: "
              f"{'met' if ours_steps['total'] < TARGET_SECONDS else 'MISSED'}; "
              f"target ≥ {TARGET_RATIO}× faster than naive: "
              f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}")
        if args.json:
            args.json.write_text(json.dumps({"rows": args.rows, "ours": ours_steps,
                                             "naive": naive_steps, "ratio": ratio}, indent=2))
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            ours(engine, actor, form, content,
                 new_wave(engine, actor, form, xlsform, "profiled"), {})
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        engine.dispose()
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
