"""The June map pack: choose a snapshot (and one to compare with), render, preview, download."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from mapping.i18n import t
from mapping.reports import build, pack, preview, runner
from mapping.services import snapshots
from mapping.ui import sidebar, state
from mapping.ui.page import open_page, session_token
from mapping.ui.safe_text import md, md_t

PREFIX = state.JUNE

page = open_page("june")
lang, url = page.lang, page.url
actor = page.require_actor()

st.title(t("june.heading", lang), anchor=False)
st.caption(t("june.intro", lang))

known = page.run(
    lambda session: [(s.name, s.on_date) for s in snapshots.list_snapshots(session)]
).unwrap()
if not known:
    st.info(t("june.no_snapshots", lang))
    st.stop()

names = [name for name, _ in reversed(known)]
dates = dict(known)
chosen = st.selectbox(
    t("june.snapshot", lang), names, key=PREFIX + "snapshot",
    format_func=lambda n: f"{n} ({dates[n].isoformat()})",
)
earlier = [n for n in names if dates[n] < dates[chosen]]
compare = st.selectbox(
    t("june.compare", lang), [None, *earlier], key=PREFIX + "compare",
    format_func=lambda n: t("june.no_compare", lang) if n is None
    else f"{n} ({dates[n].isoformat()})",
)
scopes = ["city"]
if state.team_id() is not None:
    scopes.append("team")
if state.area_id() is not None:
    scopes.append("area")
scope = st.radio(
    t("june.scope", lang), scopes, horizontal=True, key=PREFIX + "scope",
    # Radio options are Markdown: the place is a name someone typed.
    format_func=lambda code: md_t(f"june.scope_{code}", lang,
                                  place=sidebar.current_place(url, lang)),
)
left, right = st.columns(2)
formats = left.multiselect(
    t("june.formats", lang), list(pack.FORMATS), default=list(pack.FORMATS),
    format_func=lambda f: t(f"june.format_{f}", lang), key=PREFIX + "formats",
)
paper = right.selectbox(t("june.paper", lang), list(pack.PAPERS), index=1, key=PREFIX + "paper")
st.caption(t("june.audience", lang))

if st.button(t("june.prepare", lang), type="primary", key=PREFIX + "prepare",
             disabled=not formats):
    request = build.PackRequest(
        snapshot=chosen,
        compare=compare,
        city=state.city(),
        team=str(state.team_id()) if scope == "team" else None,
        area=str(state.area_id()) if scope == "area" else None,
        language=lang,
    )
    bar = st.progress(0.0, text=md_t("june.step_read", lang, name=chosen))

    def progress(done: int, total: int, name: str) -> None:
        bar.progress(done / total, text=md_t("june.step_render", lang, done=done, total=total,
                                               name=name))

    with tempfile.TemporaryDirectory(prefix="calmap-june-") as tmp:
        run = runner.run_pack(request, Path(tmp), database_url=url,
                              session_token=session_token(), formats=formats,
                              paper=paper, progress=progress)
        if run.error is not None or run.zip_path is None or run.out_dir is None:
            bar.empty()
            # The command's message may quote a snapshot's or an area's name.
            st.error(md(run.error) if run.error else t("june.failed", lang))
        else:
            poster = preview.chosen_poster(run.out_dir, scope)
            picture = preview.poster_preview_png(poster) if poster else None
            state.put(state.JUNE_RESULT, {
                "zip": run.zip_path.read_bytes(),
                "name": build.slug(chosen, "mapy") + ".zip",
                "preview": picture,
                "notes": run.notes,
            })
            bar.progress(1.0, text=t("june.done", lang))

found = state.get(state.JUNE_RESULT)
if found:
    st.download_button(
        md_t("june.download", lang, name=found["name"]), data=found["zip"],
        file_name=found["name"], mime="application/zip", key=PREFIX + "download",
        on_click="ignore", type="primary",
    )
    for note in found["notes"]:
        st.caption(md(note))  # the pack's notes quote names
    if found["preview"]:
        st.image(found["preview"], caption=t("june.preview", lang), width="stretch")
