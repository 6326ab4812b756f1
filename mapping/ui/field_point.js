// The point of an entry saved while the server is away (appended to field_sync.js, whose
// G, say and drawPanel it uses). Offline, Streamlit's "Moja lokalizacja" button is locked
// and nobody marks a tap on the map, so the page keeps the point itself: the last tap on
// the map, or the device's GPS fix asked for with our own button. An entry saved
// meanwhile carries it (see G.tapped in the outbox entry); the next render forgets it.
// Online, a tap the map marked is written in the "Położenie" box at once (showTapped).
// The map (st_folium's iframe) reports a tap to Streamlit by postMessage.
function mapFrame(source) {
  return [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')]
    .find((f) => f.contentWindow === source);
}
function onMapMessage(event) {
  const msg = event.data;
  if (!msg || msg.type !== "streamlit:setComponentValue" || !msg.value) return;
  const frame = mapFrame(event.source);
  const click = msg.value.last_clicked;
  if (!frame || !click || typeof click.lat !== "number" || typeof click.lng !== "number") return;
  if (G.lastClick && same(G.lastClick, click)) return;  // the same report sent again
  G.lastClick = click;
  G.tapped = [click.lng, click.lat];
  G.tappedAccuracy = null;  // a finger's point: no GPS accuracy to tell
  if (!G.online) { markTapped(frame); drawPanel(); } else { showTapped(frame, click); }
}
function frameMap(w) {
  // The Leaflet map of st_folium's page (same origin).
  return w.map || Object.keys(w).filter((k) => k.startsWith("map_")).map((k) => w[k])
    .find((m) => m && m.addLayer);
}
function coordsInput(data) {
  const form = data && data.form;
  const box = form && document.querySelector(cls(form.coords));
  return box && box.querySelector("input");
}
function showTapped(frame, click) {
  // The map marked the tap at once (calmap-pins.js; a tap outside the area it leaves to
  // the server, which refuses it): the box shows the point now, not after the server's
  // rerun. Only shown: the rerun writes the box with the server's own value (React draws
  // it over this), which Save uses; a box being typed in is left alone.
  const data = G.data;
  const input = coordsInput(data);
  if (!input || document.activeElement === input) return;
  let marked = false;
  try {
    const taps = frameMap(frame.contentWindow).calmapTaps;
    if (taps && taps.group) taps.group.eachLayer((l) => {
      const at = l.getLatLng && l.getLatLng();
      if (String(l.options.className || "").includes("calmap-marked-point") && at &&
          Math.abs(at.lat - click.lat) < 1e-9 && Math.abs(at.lng - click.lng) < 1e-9) marked = true;
    });
  } catch (e) { return; }  // the map is being redrawn: the rerun fills the box
  if (!marked) return;
  const shown = { text: pointText(data, click.lng, click.lat), before: input.value,
    until: Date.now() + 10000 };
  G.shownTap = shown;
  input.value = shown.text;
  // React draws the box again while the run starts, with the value it holds (the one
  // before the tap): the tap is written again until the server's value comes.
  const keep = () => {
    const now = coordsInput(G.data);
    if (G.shownTap !== shown || !now || Date.now() > shown.until) return;
    if (document.activeElement === now || (now.value !== shown.before && now.value !== shown.text)) {
      G.shownTap = null;  // typed in, or the server's value: theirs
      return;
    }
    if (now.value === shown.before) now.value = shown.text;
    requestAnimationFrame(keep);
  };
  requestAnimationFrame(keep);
}
function settleTapped(data) {
  // The run is over: the box is the server's (``coords``, what it drew), whatever it said.
  const shown = G.shownTap, input = coordsInput(data);
  G.shownTap = null;
  if (shown && input && document.activeElement !== input && input.value === shown.text) {
    input.value = data.coords || "";
  }
}
function markTapped(frame) {
  // Drawn in the map's own page (same origin), so the worker sees where the entry will go.
  try {
    const w = (frame || document.querySelector('iframe[title="streamlit_folium.st_folium"]')).contentWindow;
    const map = frameMap(w);
    if (!map || !w.L || !G.tapped) return;
    if (G.tappedMark) G.tappedMark.remove();
    G.tappedMark = w.L.circleMarker([G.tapped[1], G.tapped[0]], { radius: 11, weight: 4,
      color: "#8a1c1c", fillColor: "#fff", fillOpacity: 0.9, className: "calmap-offline-point" })
      .addTo(map);
  } catch (e) { /* the map was redrawn: the note below the banner still says where */ }
}
function pointText(data, lon, lat) {
  // As the editor writes a point online (positions.format_point), latitude first: Polish
  // writes decimal commas and a semicolon between the numbers, English dots and a comma.
  const en = data.lang === "en";
  const fmt = (v) => (en ? v.toFixed(6) : v.toFixed(6).replace(".", ","));
  return `${fmt(lat)}${en ? ", " : "; "}${fmt(lon)}`;
}
function tappedText(data) {
  if (!G.tapped) return "";
  return say(data, "tapped_offline").replace("{point}", pointText(data, ...G.tapped));
}


// The GPS fix: the same limit as the editor and the imports for a coarse one.
const LOW_ACCURACY_M = 50;
function locateOffline() {
  const data = G.data;
  if (!navigator.geolocation) { G.gpsNote = say(data, "gps_failed"); drawPanel(); return; }
  G.gpsNote = say(data, "gps_waiting");
  drawPanel();
  navigator.geolocation.getCurrentPosition((fix) => {
    G.tapped = [fix.coords.longitude, fix.coords.latitude];
    G.tappedAccuracy = fix.coords.accuracy;
    G.gpsNote = null;
    markTapped(null);
    drawPanel();
  }, () => { G.gpsNote = say(data, "gps_failed"); drawPanel(); },
  { enableHighAccuracy: true, timeout: 20000, maximumAge: 15000 });
}
function drawOfflinePoint(data, root) {
  const where = document.createElement("div");
  where.setAttribute("data-testid", "calmap-offline-point");
  where.style.cssText = "padding:.5rem .75rem;border-radius:.5rem;margin-bottom:.25rem;" +
    "background:#fdecea;border:1px solid #8a1c1c";
  let text = G.tapped ? tappedText(data) : say(data, "no_point_offline");
  if (G.tapped && G.tappedAccuracy) {
    const metres = String(Math.round(G.tappedAccuracy));
    text += " · " + say(data, G.tappedAccuracy > LOW_ACCURACY_M ? "gps_low" : "gps_accuracy")
      .replace("{metres}", metres);
  }
  if (G.gpsNote) { text += " · " + G.gpsNote; }
  where.appendChild(document.createTextNode(text));
  where.appendChild(document.createElement("br"));
  where.appendChild(button(say(data, "gps_offline"), locateOffline, "calmap-offline-gps"));
  root.appendChild(where);
}
