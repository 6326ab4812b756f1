"""Render the June pack: every map's poster, deck and offline HTML, the city overview, a zip.

``render_pack`` takes a ``PackPlan`` (``mapping.reports.build``) and renders
one map per task in worker processes: matplotlib and ReportLab hold the
GIL, so processes, not threads, use both cores. A worker draws the static
map once and gives it to the poster and the deck. A map that fails to
render is reported in the notes and the rest of the pack still renders.

Layout of the output directory::

    README.txt                     what the pack holds, and what was left out
    przeglad-miasta.pdf            the city overview: every team side by side
    <slug>.pdf / .pptx / .html     one poster, deck and offline map per area and team
    index.html                     links to every offline map (works from the unzipped pack)
"""

from __future__ import annotations

import html
import multiprocessing
import os
import sys
import time
import types
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mapping.errors import UserError
from mapping.i18n import reasons, t
from mapping.reports import deck, offline_html, overview, poster, static_map
from mapping.reports.build import PackPlan
from mapping.reports.content import PIN_LAYERS, MapContent

FORMATS = ("pdf", "pptx", "html")
PAPERS = ("A4", "A3", "A0")
OVERVIEW_FILE = "przeglad-miasta.pdf"


@dataclass
class PackResult:
    """What was written, and what could not be."""

    out_dir: Path
    files: list[Path]
    notes: list[str] = field(default_factory=list)
    # Seconds each map took to render, by its slug (for the benchmark and the
    # curious): on the clock, and of the CPU of the process that rendered it.
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class UnitResult:
    """One map's files, a note per file that failed, and the seconds it took (clock, CPU)."""

    files: list[Path]
    notes: list[str]
    seconds: float
    cpu_seconds: float


def render_unit(
    content: MapContent,
    out_dir: Path,
    formats: Sequence[str],
    paper: str,
    tiles_url: str | None,
    tiles_attribution: str | None = None,
) -> UnitResult:
    """Write one map's files; return them and a note per file that failed (never raises)."""
    started, started_cpu = time.perf_counter(), time.process_time()
    files: list[Path] = []
    notes: list[str] = []
    map_png = None

    def attempt(name: str, make: Callable[[], object]) -> None:
        try:
            make()
            files.append(out_dir / name)
        except Exception as exc:  # noqa: BLE001 - one broken map must not stop the pack
            notes.append(t("june.note_failed", content.language, file=name,
                           error=reasons.of(exc)))

    if "pdf" in formats or "pptx" in formats:
        # Drawn once, at the poster's size, for the poster and the deck.
        width_px, height_px, dpi = poster.map_pixels(content, paper)
        try:
            rendered = static_map.render_map(
                content, width_px, height_px, dpi=dpi, tiles=tiles_url,
                tiles_attribution=tiles_attribution,
            )
        except Exception as exc:  # noqa: BLE001 - the tables are still worth printing
            notes.append(t("june.note_failed", content.language, file="map",
                           error=reasons.of(exc)))
        else:
            map_png = rendered.png
            if rendered.note:
                notes.append(rendered.note)
    if "pdf" in formats:
        attempt(f"{content.slug}.pdf", lambda: poster.write_poster(
            content, out_dir / f"{content.slug}.pdf", paper=paper, map_png=map_png))
    if "pptx" in formats:
        attempt(f"{content.slug}.pptx", lambda: deck.write_deck(
            content, out_dir / f"{content.slug}.pptx", map_png=map_png))
    if "html" in formats:
        attempt(f"{content.slug}.html", lambda: offline_html.write_offline_html(
            content, out_dir / f"{content.slug}.html"))
    return UnitResult(files, notes, time.perf_counter() - started,
                      time.process_time() - started_cpu)


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes started fresh (spawn): forking a process with threads is unsafe."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn")
    )


@contextmanager
def _workers_skip_main() -> Iterator[None]:
    """While workers start, hide this process's ``__main__`` from them.

    A spawned worker first imports the parent's ``__main__``. Ours only need
    ``render_unit``; and where a host has replaced ``__main__`` with a script
    (Streamlit's AppTest, a notebook), importing it again would run that script.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def default_workers() -> int:
    """One worker per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


def render_pack(
    plan: PackPlan,
    out_dir: str | Path,
    *,
    formats: Sequence[str] = FORMATS,
    paper: str = "A3",
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> PackResult:
    """Render every map of ``plan`` into ``out_dir``, then the overview, index and README.

    ``progress(done, total, name)`` is called as maps finish. ``workers`` 1
    renders in this process (no pool), which tests and small packs prefer.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UserError("june.bad_formats", formats=", ".join(unknown) or "-",
                        known=", ".join(FORMATS))
    if paper not in PAPERS:
        raise UserError("june.bad_paper", paper=paper, known=", ".join(PAPERS))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    units = plan.maps()
    total = len(units)
    result = PackResult(out_dir=out, files=[], notes=list(plan.notes))
    workers = workers or default_workers()
    done = 0

    def finished(content: MapContent, unit: UnitResult) -> None:
        nonlocal done
        done += 1
        result.files.extend(unit.files)
        result.notes.extend(unit.notes)
        result.seconds[content.slug] = unit.seconds
        result.cpu_seconds[content.slug] = unit.cpu_seconds
        if progress:
            progress(done, total, content.title)

    if workers == 1 or total == 1:
        for content in units:
            finished(content, render_unit(content, out, formats, paper, tiles_url,
                                          tiles_attribution))
    else:
        with _workers_skip_main(), _pool(min(workers, total)) as pool:
            # Bounded submission keeps only a few maps' data in flight at once.
            pending: dict[Future[UnitResult], MapContent] = {}
            # Biggest maps first (the city's, then teams'): the last map to
            # finish is then a small one, and no core idles at the end.
            queue = sorted(units, key=lambda c: -sum(c.count(layer) for layer in PIN_LAYERS))
            while queue or pending:
                while queue and len(pending) < 2 * workers:
                    content = queue.pop(0)
                    future = pool.submit(render_unit, content, out, formats, paper, tiles_url,
                                         tiles_attribution)
                    pending[future] = content
                ready, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in ready:
                    finished(pending.pop(future), future.result())

    try:
        result.files.append(overview.write_overview(plan, out / OVERVIEW_FILE))
    except Exception as exc:  # noqa: BLE001 - the maps are written; say what is missing
        result.notes.append(t("june.note_failed", plan.request.language, file=OVERVIEW_FILE,
                              error=reasons.of(exc)))
    if "html" in formats:
        result.files.append(_write_index(plan, out, result.files))
    result.files.append(_write_readme(plan, out, result))
    return result


def _write_index(plan: PackPlan, out: Path, files: Sequence[Path]) -> Path:
    """index.html linking every offline map, for opening the unzipped pack in a browser."""
    language = plan.request.language
    written = {f.name for f in files}
    items = []
    for content in plan.maps():
        name = f"{content.slug}.html"
        if name in written:
            items.append(
                f'<li><a href="{html.escape(name)}">{html.escape(content.title)}</a></li>'
            )
    title = html.escape(t("june.index_title", language, name=plan.snapshot_name))
    page = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><h1>{title}</h1><ul>{''.join(items)}</ul>"
        "</body></html>"
    )
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def _write_readme(plan: PackPlan, out: Path, result: PackResult) -> Path:
    """README.txt: the snapshot, what the pack holds, and every note (what was left out)."""
    language = plan.request.language
    lines = [
        t("june.readme_title", language, name=plan.snapshot_name,
          date=plan.snapshot_date.isoformat()),
    ]
    if plan.compare_name and plan.compare_date:
        lines.append(t("june.readme_compare", language, name=plan.compare_name,
                       date=plan.compare_date.isoformat()))
    lines.append(t("june.readme_counts", language, maps=len(plan.maps()),
                   files=len(result.files) + 1))
    lines += ["", *(f"- {note}" for note in dict.fromkeys(result.notes))]
    path = out / "README.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def zip_pack(result: PackResult, target: str | Path) -> Path:
    """Zip the pack's files (flat, as written) into ``target``."""
    target = Path(target)
    staged = target.with_name(f".{target.name}.part")
    with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(set(result.files)):
            archive.write(path, arcname=path.name)
    staged.replace(target)
    return target
