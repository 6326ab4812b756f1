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
 * The users' texts arrive as they typed them: esc() below escapes every one
 * exactly as Python's html.escape does, as it goes into a popup or tooltip.
 * The other parts (category headings, catalogue labels, the pin's look) were
 * made and escaped in Python; the assembly only concatenates them with fixed
 * markup. Served by the app from static/vendor/calmap (a digest-named file,
 * mapping/maps/assets.py) and inlined into the offline HTML.
 */
(function () {
    "use strict";

    /*
     * Pins and clusters placed by a flat (2-D) translate, not Leaflet's
     * translate3d: Chromium gives every element with a 3-D transform a
     * compositing layer of its own, and after a zoom all of the ~250 pins and
     * clusters in view are new. In the 10,000-pin bench page, zooms after the
     * first took 121-125 ms to repaint with translate3d and 87-111 ms with
     * this (bench/README.md, session 20). The map's panes keep Leaflet's own
     * placing, and with it the zoom animation (Leaflet's L_DISABLE_3D, 35 ms
     * zooms, would take that animation away).
     */
    function placedFlat(proto) {
        var placed = proto._setPos;
        proto._setPos = function (pos) {
            if (!L.Browser.any3d) { return placed.call(this, pos); }
            var at = "translate(" + pos.x + "px," + pos.y + "px)";
            [this._icon, this._shadow].forEach(function (el) {
                if (el) {
                    el._leaflet_pos = pos;  // what L.DomUtil.getPosition reads
                    el.style[L.DomUtil.TRANSFORM] = at;
                }
            });
            this._zIndex = pos.y + this.options.zIndexOffset;
            this._resetZIndex();
        };
    }
    var PinMarker = L.Marker.extend({});
    placedFlat(PinMarker.prototype);
    if (L.MarkerCluster) { placedFlat(L.MarkerCluster.prototype); }

    /*
     * Pins and clusters of a clustered layer: the layer moves them on the
     * map's zoom and view reset, not each one by itself. Leaflet's marker
     * adds three map listeners with every appearance and removes them with
     * every disappearance, each a search through all the others; a zoom
     * brings ~250 in and takes ~250 out. ``layer`` below does the same work
     * once for the layer (``followMap``).
     */
    var grouped = {
        getEvents: null,
        // Leaflet's, less the listener for the zoom's animation.
        onAdd: function (map) {
            this._zoomAnimated = this._zoomAnimated && map.options.markerZoomAnimation;
            this._initIcon();
            this.update();
        },
        onRemove: function (map) {
            var animated = this._zoomAnimated;
            this._zoomAnimated = false;  // nothing to take off the map
            L.Marker.prototype.onRemove.call(this, map);
            this._zoomAnimated = animated;
        }
    };
    var GroupedPin = PinMarker.extend(grouped);
    var GroupedCluster = L.MarkerClusterNonAnimated
        ? L.MarkerClusterNonAnimated.extend(grouped) : null;

    /*
     * Icons made by copying: a pin's icon is parsed from its HTML once per
     * category, and each pin that comes into view gets a copy (``cloneNode``),
     * not a fresh parse of the HTML (~15 ms of a 10,000-pin zoom).
     */
    function copied(icon) {
        var model = null, make = icon.createIcon;
        icon.createIcon = function () {
            if (!model) { model = make.call(icon, null); }
            return model.cloneNode(true);
        };
        return icon;
    }

    // "12 345" with a non-breaking space, as Polish groups thousands.
    function thousands(n) {
        return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
    }

    /*
     * A cluster's icon: one element holding its count, made without HTML to
     * parse. Its shape, size and place around its point are CSS by its layer
     * and its count's digits (mapping/maps/cluster_style.py): a zoom replaces
     * every cluster in view, and each element more is style, layout and paint.
     */
    var ClusterIcon = L.DivIcon.extend({
        createIcon: function () {
            var div = document.createElement("div");
            div.textContent = this.options.count;
            this._setIconStyles(div, "icon");
            return div;
        }
    });
    function clusterIcon(layer) {
        return function (cluster) {
            var n = cluster.getChildCount();
            var digits = Math.min(String(n).length, 5);
            return new ClusterIcon({
                className: "calmap-cluster calmap-cluster-" + layer + " calmap-cluster-d" + digits,
                count: thousands(n),
                iconSize: null
            });
        };
    }

    // Where each pin's popup rows start in the flat rows list.
    function rowStarts(rowc) {
        var starts = new Int32Array(rowc.length + 1);
        for (var i = 0; i < rowc.length; i++) { starts[i + 1] = starts[i] + 2 * rowc[i]; }
        return starts;
    }

    // A user's text as HTML: what Python's html.escape(text) gives.
    var ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"};
    function esc(text) {
        return String(text).replace(/[&<>"']/g, function (c) { return ESCAPES[c]; });
    }
    var HTTP = /^https?:\/\//i;
    // One popup row's value as HTML by its kind (pin_payload.py): "t" text,
    // "m" text with line breaks, "l" a link when it is an http(s) address,
    // "h" HTML made in Python. As markup.py's _text, _multiline and _link.
    function cell(kind, value) {
        if (kind === "h") { return value; }
        var html = esc(value);
        if (kind === "m") { return html.replace(/\n/g, "<br>"); }
        if (kind === "l" && HTTP.test(html)) {
            return '<a href="' + html + '" target="_blank" rel="noopener noreferrer">' + html
                + "</a>";
        }
        return html;
    }

    // ``t``: one pin's texts (tooltip, text, rows, rowc from ``from``); ``i``: its
    // number in them; ``head``: its category's heading.
    function popupHtml(d, t, starts, i, head) {
        var html = '<div class="calmap-popup"><h4>' + esc(t.tooltip[i]) + "</h4>"
            + '<p class="calmap-category">' + head + "</p>";
        if (t.text[i]) { html += "<p>" + cell("m", t.text[i]) + "</p>"; }
        var from = starts[i], to = starts[i + 1];
        if (to > from) {
            html += "<table>";
            for (var r = from; r < to; r += 2) {
                html += "<tr><th>" + d.labels[t.rows[r]] + "</th><td>"
                    + cell(d.kinds[t.rows[r]], t.rows[r + 1]) + "</td></tr>";
            }
            html += "</table>";
        }
        return html + "</div>";
    }

    // One fetch per URL per page: files are named by their content, so a
    // second map (or a rerun) with the same pins reads the browser's cache.
    var fetched = {};
    function getJson(url) {
        if (!fetched[url]) {
            fetched[url] = fetch(url, {credentials: "same-origin"}).then(function (r) {
                if (!r.ok) { throw new Error("calmap pins: " + r.status + " " + url); }
                return r.json();
            });
            fetched[url].catch(function () { delete fetched[url]; });
        }
        return fetched[url];
    }

    /*
     * Inline parts of pin layers a live map sends once (mapping/maps/live.py):
     * ``parts({digest: columns})`` comes before a content's script and keeps
     * them; the layers name a part as {calmapPart: digest} only. Kept as text
     * in the page (Streamlit's window), so a map remounted in a new iframe
     * finds them too, and parsed in this frame. The last KEPT_PARTS parts
     * sent are kept, one sent again moving to the end: the server records the
     * same sends (mapping/ui/live_map.py) and takes fewer to be held.
     */
    var KEPT_PARTS = 64;
    var frameParts = {order: [], values: {}};
    // What the page (Streamlit's window, same origin) keeps under ``name``.
    function pageKept(name) {
        try {
            var top = window.parent;
            top[name] = top[name] || {order: [], values: {}};
            return top[name];
        } catch (e) {
            return null;
        }
    }
    function keepLast(store, key, value, size) {
        var at = store.order.indexOf(key);
        if (at >= 0) { store.order.splice(at, 1); }
        store.order.push(key);
        store.values[key] = value;
        while (store.order.length > size) { delete store.values[store.order.shift()]; }
    }
    function parts(given) {
        var page = pageKept("calmapParts");
        Object.keys(given).forEach(function (digest) {
            keepLast(frameParts, digest, given[digest], KEPT_PARTS);
            // Text, not the object: the page must not hold on to a removed frame's objects.
            if (page) { keepLast(page, digest, JSON.stringify(given[digest]), KEPT_PARTS); }
        });
    }
    function heldPart(p) {
        if (!p || !p.calmapPart) { return p; }
        var digest = p.calmapPart, page = pageKept("calmapParts");
        var data = frameParts.values[digest];
        if (!data && page && page.values[digest]) {
            // This frame's copy only (the page's order is the server's).
            data = JSON.parse(page.values[digest]);
            keepLast(frameParts, digest, data, KEPT_PARTS);
        }
        if (!data) {
            CalmapPins.missing += 1;
            if (window.console) { console.warn("calmap: part " + digest + " not held"); }
            return {id: [], cat: [], xy: [], tooltip: [], faded: [], text: [], rows: [], rowc: []};
        }
        return data;
    }

    // A layer's inline parts (blocks of ids, sent apart) as one part: the
    // cluster group takes its pins in one addition, not one per block.
    var COLUMNS = ["id", "cat", "xy", "tooltip", "text", "rows", "rowc"];
    function oneInline(list) {
        var inline = list.filter(function (p) { return p.id; });
        if (inline.length < 2) { return list; }
        var merged = {faded: []};
        COLUMNS.forEach(function (c) { merged[c] = []; });
        inline.forEach(function (p) {
            var offset = merged.id.length;
            COLUMNS.forEach(function (c) { merged[c] = merged[c].concat(p[c]); });
            p.faded.forEach(function (i) { merged.faded.push(offset + i); });
        });
        return list.filter(function (p) { return !p.id; }).concat([merged]);
    }

    /*
     * A part of a layer: pins whose columns are inline (``id`` present) or in
     * files of the app's static folder (``src``: positions; ``details``: one
     * file of popup texts per ``chunk`` pins), see mapping/maps/pin_store.py.
     * ``texts(i, done)`` calls ``done(t, j)`` with pin i's texts and number in them.
     */
    function partOf(p) {
        if (p.id) {
            var starts = null;
            return {
                positions: Promise.resolve(p),
                ready: function () { return true; },
                texts: function (i, done) { starts = starts || rowStarts(p.rowc); done(p, i, starts); }
            };
        }
        var blocks = {};
        return {
            positions: getJson(p.src),
            ready: function (i) { return !!blocks[Math.floor(i / p.chunk)]; },
            texts: function (i, done) {
                var b = Math.floor(i / p.chunk);
                if (blocks[b]) { done(blocks[b], i - b * p.chunk, blocks[b].starts); return; }
                getJson(p.details[b]).then(function (t) {
                    t.starts = rowStarts(t.rowc);
                    blocks[b] = t;
                    done(t, i - b * p.chunk, t.starts);
                });
            }
        };
    }

    /*
     * The layer of pins of payload ``d``. ``options.icon(className, html)``
     * makes a pin's icon (the map's template gives L.divIcon with the pin
     * size); ``options.threshold`` overrides CalmapPins.threshold.
     * ``d`` holds the pins' columns itself, or ``d.parts``: inline parts and
     * parts fetched from the app (public pins), drawn as they arrive.
     */
    function layer(d, options) {
        options = options || {};
        var parts = d.parts ? oneInline(d.parts.map(heldPart)) : [d];
        var n = d.count != null ? d.count : d.id.length;
        var threshold = options.threshold != null ? options.threshold : CalmapPins.threshold;
        var clustered = n > threshold && typeof L.markerClusterGroup === "function";
        var base = "calmap-pin calmap-pin-" + d.layer;
        // One icon object per category (and faded state), shared by its pins.
        var icons = {};
        function iconOf(cat, isFaded) {
            var key = cat + (isFaded ? "f" : "");
            var icon = icons[key];
            if (!icon) {
                icon = icons[key] = copied(options.icon(
                    base + (isFaded ? " calmap-pin-faded" : ""), d.styles[cat]
                ));
            }
            return icon;
        }
        var sources = parts.map(partOf);
        function withTexts(marker, done) {
            var o = marker.options;
            sources[o.calmapPart].texts(o.calmapIndex, function (t, j, starts) {
                done(t, j, starts, d.heads[o.calmapCat]);
            });
        }
        // Binds a pin's popup and tooltip once its texts are here; done on first
        // use, because 10,000 unused popups and tooltips cost memory and time.
        function bind(marker, then) {
            if (marker.getPopup()) { if (then) { then(); } return; }
            withTexts(marker, function (t, j, starts, head) {
                if (marker.getPopup()) { if (then) { then(); } return; }
                var html = popupHtml(d, t, starts, j, head);
                marker.bindPopup(function () { return html; }, {maxWidth: 340});
                if (t.tooltip[j]) { marker.bindTooltip(esc(t.tooltip[j]), {sticky: false}); }
                if (then) { then(); }
            });
        }
        var markers = [];
        var hidden = {};  // category code -> switched off (calmapShow)
        var Pin = clustered && GroupedCluster ? GroupedPin : PinMarker;
        var group = clustered
            ? L.markerClusterGroup({
                chunkedLoading: true,
                chunkInterval: 120,
                chunkProgress: function (processed, total) {
                    // One of our additions is in (a legend's re-adding is not counted).
                    if (processed === total && total > 0 && busy > 0) { busy -= 1; settle(); }
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
        // CalmapPins.pending counts layers still being fetched or clustered (tests, benches).
        // ``busy``: additions to the cluster group not yet clustered.
        var waiting = parts.length, busy = 0, settled = false;
        function settle() {
            if (!settled && waiting === 0 && busy === 0) { settled = true; CalmapPins.pending -= 1; }
        }
        CalmapPins.pending += 1;
        group.on("click", function (e) {
            var marker = e.layer || e.propagatedFrom;
            if (!marker || marker.options.calmapIndex == null || marker.getPopup()) { return; }
            bind(marker, function () { marker.openPopup(); });
        });
        // A hovered pin rises above its neighbours (Leaflet's riseOnHover, done
        // here once for the layer: per pin, it is two handlers added and removed
        // with every pin that a zoom brings into view or takes out).
        group.on("mouseover", function (e) {
            var marker = e.layer || e.propagatedFrom;
            if (marker && marker.options.calmapIndex != null && marker._icon) {
                marker._bringToFront();
            }
            if (!marker || marker.options.calmapIndex == null || marker.getTooltip()) { return; }
            marker.calmapHovered = true;
            bind(marker, function () {
                if (marker.calmapHovered && marker.getTooltip() && !marker.isPopupOpen()) {
                    marker.openTooltip();
                }
            });
        });
        group.on("mouseout", function (e) {
            var marker = e.layer || e.propagatedFrom;
            if (marker) { marker.calmapHovered = false; }
            if (marker && marker.options.calmapIndex != null && marker._icon) {
                marker._resetZIndex();
            }
        });
        if (clustered) {
            // Our pins are never dragged nor moved: without markercluster's three
            // handlers per pin (drag start, move, drag end) 50,000 pins load sooner.
            group._childMarkerEventHandlers = {};
        }
        // The pins and clusters in view follow the map's zoom (see ``grouped``).
        // A zoom without animation fires "zoom" and then "viewreset" with the map
        // placed alike: the second finds every pin where the first (or its own
        // arrival since) put it, so it is skipped.
        var followed = null;
        function follow() {
            var map = group._map, origin = map.getPixelOrigin();
            var at = map.getZoom() + " " + origin.x + " " + origin.y;
            if (at === followed) { return; }
            followed = at;
            eachShown(function (m) { m.update(); });
        }
        var followMap = {
            zoom: follow,
            viewreset: follow,
            zoomanim: function (e) {
                followed = null;
                eachShown(function (m) { if (m._zoomAnimated) { m._animateZoom(e); } });
            }
        };
        function eachShown(act) {
            group._featureGroup.eachLayer(function (l) {
                if (l._icon && (l instanceof GroupedPin || l instanceof GroupedCluster)) { act(l); }
            });
        }
        if (clustered) {
            // What markercluster keeps in the page around the view: the view and
            // CalmapPins.margin of its width and height on every side. Its own
            // margin is a whole view on every side (nine views' worth of icons,
            // all made anew by every zoom).
            group._getExpandedVisibleBounds = function () {
                var margin = L.Browser.mobile ? 0 : CalmapPins.margin;
                return this._checkBoundsMaxLat(this._map.getBounds().pad(margin));
            };
        }
        if (clustered && GroupedCluster) {
            group._markerCluster = GroupedCluster;
            var onRemove = group.onRemove;
            group.onRemove = function (map) {
                map.off(followMap);
                return onRemove.call(this, map);
            };
        }
        // Pins that came before the group was on the map: clustered once it is.
        // Leaflet.markercluster takes pins added off the map one by one, each
        // checked against every pin it holds so far (hasLayer): 0.7 s of the
        // 50,000-pin page's load, against none for the same pins added on the map.
        var offMap = [];
        if (clustered) {
            // Clustering needs the map's deepest zoom; a map without a tile
            // layer (offline, or tiles turned off) has none, so give it the tiles' 19.
            var onAdd = group.onAdd;
            group.onAdd = function (map) {
                if (map.options.maxZoom === undefined && !isFinite(map.getMaxZoom())) {
                    map.options.maxZoom = 19;
                }
                // Every pin joins a cluster at each zoom from the deepest to the
                // shallowest: below a whole country's view (CalmapPins.minZoom) a
                // street-level pin map has nothing to show, so no levels are made
                // there (a quarter fewer levels, and of markercluster's loading time).
                if (map.options.minZoom === undefined) {
                    map.options.minZoom = CalmapPins.minZoom;
                }
                if (GroupedCluster) { map.on(followMap); }
                var added = onAdd.call(this, map);
                var list = offMap;
                offMap = [];
                if (list.length) { this.addLayers(list, true); }
                return added;
            };
        }
        function addPart(k, p) {
            var faded = {};
            for (var f = 0; f < p.faded.length; f++) { faded[p.faded[f]] = true; }
            var made = new Array(p.id.length);
            for (var i = 0; i < p.id.length; i++) {
                made[i] = new Pin([p.xy[2 * i + 1], p.xy[2 * i]], {
                    icon: iconOf(p.cat[i], faded[i]), calmapIndex: i,
                    calmapPart: k, calmapCat: p.cat[i], calmapId: p.id[i], calmapBind: bind
                });
                markers.push(made[i]);
            }
            waiting -= 1;
            // Pins of a category the presenter's legend switched off stay off.
            var shown = made.filter(function (mk) { return !hidden[d.cats[mk.options.calmapCat]]; });
            if (clustered && shown.length && !group._map) {
                // One addition when the group comes onto the map (counted once).
                if (!offMap.length) { busy += 1; }
                offMap = offMap.concat(shown);
            } else if (clustered && shown.length) {
                // Chunked: chunkProgress says when the last chunk is in.
                busy += 1;
                group.addLayers(shown, true);
            } else if (!clustered) {
                for (var m = 0; m < shown.length; m++) { group.addLayer(shown[m]); }
            }
            settle();
        }
        parts.forEach(function (p, k) {
            if (p.id) { addPart(k, p); return; }
            sources[k].positions.then(function (cols) { addPart(k, cols); }, function (error) {
                waiting -= 1;
                settle();
                if (window.console) { console.error(error); }
            });
        });
        // For the presenter's legend: hide or show one category's pins.
        group.calmapLayer = d.layer;
        group.calmapShow = function (code, visible) {
            hidden[code] = !visible;
            var chosen = [];
            for (var j = 0; j < markers.length; j++) {
                if (d.cats[markers[j].options.calmapCat] === code) { chosen.push(markers[j]); }
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

    /*
     * The content of a live map (mapping/maps/live.py): ``build()`` adds areas,
     * pins, legend and controls to ``map``; what it added (top-level layers and
     * controls) is recorded, so the returned layer removes all of it when
     * streamlit-folium swaps in the next content, and puts the same objects back
     * when the same content (``digest``) comes again: an editor's tap or a
     * rerun that changed nothing builds no pin twice. A layer the viewer
     * switched off stays off.
     */
    var contents = {};
    var contentOrder = [];
    // The page (Streamlit's window, same origin) keeps the last contents'
    // scripts, so a map remounted in a new iframe (another page and back)
    // can build a content the server now sends by its digest only.
    var KEPT_SCRIPTS = 6;
    // Every content sent whole is kept (again at the end when it comes again),
    // as the server records it (mapping/ui/live_map.py, HELD_DIGESTS).
    function keepScript(digest, build) {
        var store = pageKept("calmapContents");
        if (!store) { return; }
        keepLast(store, digest, store.values[digest] || build.toString(), KEPT_SCRIPTS);
    }
    function keptScript(digest) {
        var store = pageKept("calmapContents");
        var source = store && store.values[digest];
        // Indirect eval: the script runs in this frame's global scope, as when it came.
        return source ? (0, eval)("(" + source + ")") : null;
    }
    function content(digest, map, build) {
        if (build) { keepScript(digest, build); }
        var found = contents[digest];
        if (found && found.calmapMap === map) { return found; }
        if (!build) {
            // Sent by its digest only: the browser held it, yet this frame does not.
            build = keptScript(digest);
            if (!build) {
                CalmapPins.missing += 1;
                if (window.console) { console.warn("calmap: content " + digest + " not held"); }
                return L.layerGroup();
            }
        }
        var layers = [], controls = [];
        var depth = 0;
        var addControl = L.Control.prototype.addTo;
        map.addLayer = function (l) {
            if (depth === 0) { layers.push(l); }
            depth += 1;
            try { return L.Map.prototype.addLayer.apply(this, arguments); } finally { depth -= 1; }
        };
        L.Control.prototype.addTo = function (m) {
            if (m === map) { controls.push(this); }
            return addControl.apply(this, arguments);
        };
        try {
            build();
        } finally {
            delete map.addLayer;
            L.Control.prototype.addTo = addControl;
        }
        var first = true, shown = layers;
        var Holder = L.Layer.extend({
            onAdd: function (m) {
                if (first) { first = false; return; }
                shown.forEach(function (l) { m.addLayer(l); });
                controls.forEach(function (c) { c.addTo(m); });
                CalmapPins.reused += 1;
            },
            onRemove: function (m) {
                controls.forEach(function (c) { c.remove(); });
                shown = layers.filter(function (l) { return m.hasLayer(l); });
                shown.forEach(function (l) { m.removeLayer(l); });
            }
        });
        var holder = new Holder();
        holder.calmapMap = map;
        contents[digest] = holder;
        contentOrder.push(digest);
        // A few contents are kept for going back and forth; older ones are let go.
        while (contentOrder.length > 4) { delete contents[contentOrder.shift()]; }
        CalmapPins.built += 1;
        return holder;
    }

    /*
     * The editor's tap, shown at once (mapping/maps/overview.py, TapMarks): a
     * tap on the map draws the red mark where it was tapped, before the
     * server has heard of it. The mark goes into the marks group now on the
     * map (``group``), which streamlit-folium takes away when the server's
     * answer brings the next group, with its own mark at the same place: one
     * swap, so no flicker and never two marks. A tap outside the chosen
     * area's outline draws nothing: the server refuses it and names the
     * nearest area. A tap on a pin is the pin's, not the map's (Leaflet).
     */
    function ringsOf(latlngs, rings) {
        if (latlngs.length && latlngs[0] instanceof L.LatLng) { rings.push(latlngs); return; }
        for (var i = 0; i < latlngs.length; i++) { ringsOf(latlngs[i], rings); }
    }
    // Even-odd over every ring (outer rings and holes of a multipolygon alike).
    function inside(rings, at) {
        var odd = false;
        for (var r = 0; r < rings.length; r++) {
            var ring = rings[r];
            for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
                var a = ring[i], b = ring[j];
                if ((a.lat > at.lat) !== (b.lat > at.lat)
                        && at.lng < (b.lng - a.lng) * (at.lat - a.lat) / (b.lat - a.lat) + a.lng) {
                    odd = !odd;
                }
            }
        }
        return odd;
    }
    function inArea(map, areaId, at) {
        if (areaId == null) { return true; }
        var rings = [];
        // The map lists every drawn polygon of a GeoJSON layer (not every clustered pin).
        map.eachLayer(function (l) {
            if (l.feature && l.feature.properties && l.feature.properties.id === areaId
                    && l.getLatLngs) {
                ringsOf(l.getLatLngs(), rings);
            }
        });
        // No outline found (not drawn yet): the server decides alone.
        return rings.length === 0 || inside(rings, at);
    }
    /*
     * The tap told to the server at once. streamlit-folium reports a click
     * only after a 250 ms pause (its debounce, meant for panning); the
     * editor's tap is worth no wait. The same value it would send (the
     * returned objects asked for, in its order) goes now through its own
     * ``Streamlit.setComponentValue``, and is noted as its last report, so
     * its own call after the pause finds nothing new and sends nothing.
     * Anything else asked for (none in the editor) is left to it.
     */
    var REPORTED = ["last_clicked", "last_object_clicked"];
    function reportTap(map, at) {
        var S = window.Streamlit, G = window.__GLOBAL_DATA__;
        if (!S || !S.setComponentValue || !G || !Array.isArray(G.returned_objects)) { return; }
        var wanted = G.returned_objects;
        for (var i = 0; i < wanted.length; i++) {
            if (REPORTED.indexOf(wanted[i]) < 0) { return; }
        }
        var wrap = function (p) { return p && G.wrap_longitude ? map.wrapLatLng(p) : p; };
        G.lat_lng_clicked = at;
        var all = {last_clicked: wrap(at), last_object_clicked: wrap(G.last_object_clicked)};
        var value = {};
        REPORTED.forEach(function (k) { if (wanted.indexOf(k) >= 0) { value[k] = all[k]; } });
        if (JSON.stringify(value) === JSON.stringify(G.previous_data)) { return; }
        G.previous_data = value;
        S.setComponentValue(value);
        CalmapPins.tapsReported += 1;
    }
    function editorTaps(map, group, options) {
        map.calmapTaps = {group: group, options: options};
        if (map.calmapTapping) { return; }
        map.calmapTapping = true;
        map.on("click", function (e) {
            var now = map.calmapTaps, o = now.options;
            if (!now.group || !map.hasLayer(now.group)) { return; }
            if (!inArea(map, o.area, e.latlng)) {
                // Told all the same: the server's answer names the nearest area.
                reportTap(map, e.latlng);
                return;
            }
            var marked = null;
            now.group.eachLayer(function (l) {
                if ((l.options.className || "").indexOf("calmap-marked-point") >= 0) { marked = l; }
            });
            if (marked) {
                marked.setLatLng(e.latlng);
            } else {
                L.circleMarker(e.latlng, o.style).addTo(now.group);
            }
            CalmapPins.tapsShown += 1;
            reportTap(map, e.latlng);
        });
    }

    var CalmapPins = {threshold: 300, minZoom: 5, margin: 0.5, pending: 0, layer: layer,
                      content: content, parts: parts, built: 0, reused: 0, missing: 0,
                      editorTaps: editorTaps,
                      tapsShown: 0, tapsReported: 0};
    window.CalmapPins = CalmapPins;
})();
