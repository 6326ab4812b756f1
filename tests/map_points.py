"""Where to tap a map in a browser: shared by the editor tap test and `bench/map_live.py`."""

# A point of the map inside the chosen area (its outline, ray-cast: a tap inside the
# bounds but outside the outline marks nothing) with no pin, cluster or control on it,
# in the map frame's own coordinates: add the frame's box to click it from the page.
FREE_POINT_JS = """() => {
    const map = window.map;
    const box = map.getContainer().getBoundingClientRect();
    const rings = [];
    const collect = (part) => {
        if (part.length && part[0] instanceof L.LatLng) { rings.push(part); return; }
        part.forEach(collect);
    };
    map.eachLayer(l => {
        if (l.feature && l.feature.geometry && l.getLatLngs) collect(l.getLatLngs());
    });
    const inside = (at) => {
        let odd = false;
        rings.forEach(ring => {
            for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
                const a = ring[i], b = ring[j];
                if ((a.lat > at.lat) !== (b.lat > at.lat) &&
                    at.lng < (b.lng - a.lng) * (at.lat - a.lat) / (b.lat - a.lat) + a.lng) {
                    odd = !odd;
                }
            }
        });
        return odd;
    };
    for (let cy = 40; cy < box.height - 40; cy += 13) {
        for (let cx = 60; cx < box.width - 60; cx += 17) {
            const el = document.elementFromPoint(box.left + cx, box.top + cy);
            if (!el || el.closest('.leaflet-marker-pane, .leaflet-control')) continue;
            if (inside(map.containerPointToLatLng([cx, cy]))) return [box.left + cx, box.top + cy];
        }
    }
    return [box.left + box.width / 2, box.top + box.height / 2];
}"""
