/*
 * calmap pins: one layer of pins from the compact payload of
 * mapping/maps/pin_payload.py, drawn so that a map stays quick from 10 to
 * 50,000 pins.
 *
 * - At most CalmapPins.threshold pins: one Leaflet marker per pin (the
 *   catalogue's circle / square / diamond in the category colour).
 * - More: Leaflet.markercluster with chunked loading; only the clusters and
 *   pins in view are elements of the page. Cluster icons keep the layer's
 *   shape and show the count in large type for a projector.
 * - A popup's HTML is assembled when its pin is clicked, a tooltip when it
 *   is hovered; nothing is bound to every pin up front.
 *
 * Every text in the payload was escaped in Python (html.escape); the
 * assembly below only concatenates those parts with fixed markup.
 * Served by the app from static/vendor/calmap (mapping/maps/assets.py) and
 * inlined into the offline HTML.
 */
(function () {
    "use strict";

    var STYLE = [
        ".calmap-cluster { background: none; border: none; }",
        ".calmap-cluster > span { display: flex; align-items: center; justify-content: center;",
        "  box-sizing: border-box; width: 100%; height: 100%; color: #fff;",
        "  border: 2px solid #fff; box-shadow: 0 0 0 1.5px rgba(0,0,0,.55), 0 2px 5px rgba(0,0,0,.4);",
        "  font: bold 14px/1 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; }",
        ".calmap-cluster > span > b { display: block; }",
        ".calmap-cluster-resource > span { border-radius: 50%; background: #1f5f8b; }",
        ".calmap-cluster-partner > span { border-radius: 6px; background: #5b3f8c; }",
        ".calmap-cluster-need > span { border-radius: 4px; background: #b03a2e;",
        "  transform: rotate(45deg) scale(.86); }",
        ".calmap-cluster-need > span > b { transform: rotate(-45deg); }",
        ".calmap-cluster-large > span { font-size: 16px; }"
    ].join("\n");

    function addStyle() {
        if (document.getElementById("calmap-pins-style")) { return; }
        var style = document.createElement("style");
        style.id = "calmap-pins-style";
        style.textContent = STYLE;
        (document.head || document.documentElement).appendChild(style);
    }

    // "12 345" with a non-breaking space, as Polish groups thousands.
    function grouped(n) {
        return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
    }

    function clusterIcon(layer) {
        return function (cluster) {
            var n = cluster.getChildCount();
            var size = n < 10 ? 32 : n < 100 ? 38 : n < 1000 ? 46 : 54;
            return L.divIcon({
                className: "calmap-cluster calmap-cluster-" + layer
                    + (n >= 1000 ? " calmap-cluster-large" : ""),
                html: "<span><b>" + grouped(n) + "</b></span>",
                iconSize: [size, size]
            });
        };
    }

    // Where each pin's popup rows start in the flat rows list.
    function rowStarts(rowc) {
        var starts = new Int32Array(rowc.length + 1);
        for (var i = 0; i < rowc.length; i++) { starts[i + 1] = starts[i] + 2 * rowc[i]; }
        return starts;
    }

    function popupHtml(d, starts, i) {
        var html = '<div class="calmap-popup"><h4>' + d.tooltip[i] + "</h4>"
            + '<p class="calmap-category">' + d.heads[d.cat[i]] + "</p>";
        if (d.text[i]) { html += "<p>" + d.text[i] + "</p>"; }
        var from = starts[i], to = starts[i + 1];
        if (to > from) {
            html += "<table>";
            for (var r = from; r < to; r += 2) {
                html += "<tr><th>" + d.labels[d.rows[r]] + "</th><td>" + d.rows[r + 1]
                    + "</td></tr>";
            }
            html += "</table>";
        }
        return html + "</div>";
    }

    /*
     * The layer of pins of payload ``d``. ``options.icon(className, html)``
     * makes a pin's icon (the map's template gives L.divIcon with the pin
     * size); ``options.threshold`` overrides CalmapPins.threshold.
     */
    function layer(d, options) {
        addStyle();
        options = options || {};
        var n = d.id.length;
        var threshold = options.threshold != null ? options.threshold : CalmapPins.threshold;
        var clustered = n > threshold && typeof L.markerClusterGroup === "function";
        var faded = {};
        for (var f = 0; f < d.faded.length; f++) { faded[d.faded[f]] = true; }
        var base = "calmap-pin calmap-pin-" + d.layer;
        // One icon object per category (and faded state), shared by its pins.
        var icons = {};
        function iconOf(i) {
            var key = d.cat[i] + (faded[i] ? "f" : "");
            var icon = icons[key];
            if (!icon) {
                icon = icons[key] = options.icon(
                    base + (faded[i] ? " calmap-pin-faded" : ""), d.styles[d.cat[i]]
                );
            }
            return icon;
        }
        var starts = null;
        function content(marker) {
            starts = starts || rowStarts(d.rowc);
            return popupHtml(d, starts, marker.options.calmapIndex);
        }
        // Binds a pin's popup (built when it opens) and tooltip; done on first use,
        // because 10,000 unused popups and tooltips cost memory and time.
        function bind(marker) {
            if (marker.getPopup()) { return; }
            marker.bindPopup(content, {maxWidth: 340});
            var name = d.tooltip[marker.options.calmapIndex];
            if (name) { marker.bindTooltip(name, {sticky: false}); }
        }
        var markers = new Array(n);
        for (var i = 0; i < n; i++) {
            markers[i] = L.marker([d.xy[2 * i + 1], d.xy[2 * i]], {
                icon: iconOf(i), riseOnHover: true, calmapIndex: i, calmapId: d.id[i],
                calmapBind: bind
            });
        }
        var group = clustered
            ? L.markerClusterGroup({
                chunkedLoading: true,
                chunkInterval: 120,
                // CalmapPins.pending counts layers still being clustered (tests, benches).
                chunkProgress: function (processed, total) {
                    if (processed === total && !group.calmapLoaded) {
                        group.calmapLoaded = true;
                        CalmapPins.pending -= 1;
                    }
                },
                maxClusterRadius: 70,
                showCoverageOnHover: false,
                // Clusters split and merge without a transition: a zoom repaints in
                // about half the time (40 instead of 95 ms for 10,000 pins, measured alone).
                animate: false,
                spiderfyOnMaxZoom: true,
                iconCreateFunction: clusterIcon(d.layer)
            })
            : L.featureGroup();
        if (clustered) { CalmapPins.pending += 1; }
        group.on("click", function (e) {
            var marker = e.layer || e.propagatedFrom;
            if (!marker || marker.options.calmapIndex == null || marker.getPopup()) { return; }
            bind(marker);
            marker.openPopup();
        });
        group.on("mouseover", function (e) {
            var marker = e.layer || e.propagatedFrom;
            if (!marker || marker.options.calmapIndex == null || marker.getTooltip()) { return; }
            bind(marker);
            if (marker.getTooltip()) { marker.openTooltip(); }
        });
        if (clustered) {
            // Clustering needs the map's deepest zoom; a map without a tile
            // layer (offline, or tiles turned off) has none, so give it the tiles' 19.
            var onAdd = group.onAdd;
            group.onAdd = function (map) {
                if (map.options.maxZoom === undefined && !isFinite(map.getMaxZoom())) {
                    map.options.maxZoom = 19;
                }
                return onAdd.call(this, map);
            };
            group.addLayers(markers);
        } else {
            for (var k = 0; k < n; k++) { group.addLayer(markers[k]); }
        }
        // For the presenter's legend: hide or show one category's pins.
        group.calmapLayer = d.layer;
        group.calmapShow = function (code, visible) {
            var chosen = [];
            for (var j = 0; j < n; j++) {
                if (d.cats[d.cat[j]] === code) { chosen.push(markers[j]); }
            }
            if (clustered) {
                if (visible) { group.addLayers(chosen); } else { group.removeLayers(chosen); }
            } else {
                chosen.forEach(function (m) {
                    if (visible) { group.addLayer(m); } else { group.removeLayer(m); }
                });
            }
        };
        return group;
    }

    var CalmapPins = {threshold: 300, pending: 0, layer: layer};
    window.CalmapPins = CalmapPins;
})();
