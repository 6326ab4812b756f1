/* calmap: follow the device's position on a Leaflet map, with its accuracy circle.
 *
 * window.calmapLocate(map, texts) adds a 44 px button under the zoom buttons.
 * A tap starts Leaflet's own map.locate({watch: true}) (the browser's
 * Geolocation API, so https or localhost, and the person allows it first);
 * each fix moves a dot and a circle as wide as the fix's accuracy, and a fix
 * outside the view brings it into view. A second tap stops following; a
 * refusal stops it too, while a spell without a fix only says so. The
 * dot and the circle take no taps: a tap on them marks that place on the map,
 * as any tap does. No library beyond Leaflet, and nothing from the internet.
 */
(function () {
    "use strict";

    var ICON = '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">' +
        '<circle cx="12" cy="12" r="4" fill="currentColor"/>' +
        '<circle cx="12" cy="12" r="8" fill="none" stroke="currentColor" stroke-width="2"/>' +
        '<path d="M12 1v4M12 19v4M1 12h4M19 12h4" stroke="currentColor" stroke-width="2"/></svg>';

    window.calmapLocate = function (map, texts) {
        var control = L.control({position: "topleft"});
        var watching = false;
        var first = true;
        var dot = null;
        var ring = null;
        var button = null;
        var note = null;

        function say(text) {
            note.textContent = text || "";
            note.style.display = text ? "inline-flex" : "none";
        }

        function clear() {
            if (dot) { map.removeLayer(dot); dot = null; }
            if (ring) { map.removeLayer(ring); ring = null; }
        }

        function stop() {
            map.stopLocate();
            watching = false;
            L.DomUtil.removeClass(button, "calmap-locate-on");
            button.setAttribute("aria-pressed", "false");
        }

        function start() {
            watching = true;
            first = true;
            L.DomUtil.addClass(button, "calmap-locate-on");
            button.setAttribute("aria-pressed", "true");
            say(texts.waiting);
            map.locate({watch: true, setView: false, enableHighAccuracy: true,
                        maximumAge: 10000, timeout: 30000});
        }

        control.onAdd = function () {
            var bar = L.DomUtil.create("div", "leaflet-bar calmap-locate");
            button = L.DomUtil.create("a", "calmap-locate-button", bar);
            button.href = "#";
            button.title = texts.title;
            button.setAttribute("role", "button");
            button.setAttribute("aria-label", texts.title);
            button.setAttribute("aria-pressed", "false");
            button.innerHTML = ICON;
            note = L.DomUtil.create("span", "calmap-locate-note", bar);
            note.setAttribute("role", "status");
            say("");
            L.DomEvent.disableClickPropagation(bar);
            L.DomEvent.on(button, "click", function (event) {
                L.DomEvent.preventDefault(event);
                if (watching) { stop(); clear(); say(""); } else { start(); }
            });
            return bar;
        };

        map.on("locationfound", function (event) {
            if (!watching) { return; }
            var metres = Math.round(event.accuracy);
            if (!ring) {
                ring = L.circle(event.latlng, {radius: event.accuracy, interactive: false,
                    className: "calmap-accuracy", color: "#1a73e8", weight: 1,
                    fillColor: "#1a73e8", fillOpacity: 0.12}).addTo(map);
                dot = L.circleMarker(event.latlng, {radius: 8, interactive: false,
                    className: "calmap-position", color: "#fff", weight: 3,
                    fillColor: "#1a73e8", fillOpacity: 1}).addTo(map);
            } else {
                ring.setLatLng(event.latlng).setRadius(event.accuracy);
                dot.setLatLng(event.latlng);
            }
            // A coarse fix is said to be one (as the editor and the imports flag it).
            var low = texts.lowLimit && event.accuracy > texts.lowLimit;
            say((low ? texts.low : texts.accuracy).replace("{metres}", String(metres)));
            note.classList.toggle("calmap-locate-low", !!low);
            // The first fix, and any fix that walks out of the view, is brought into view;
            // otherwise the map stays where the person panned it.
            if (first || !map.getBounds().contains(event.latlng)) {
                map.fitBounds(ring.getBounds(), {maxZoom: 17});
            }
            first = false;
        });

        map.on("locationerror", function (event) {
            if (!watching) { return; }
            // Refused (code 1): stop asking. No fix for a while (a stairwell, a tunnel):
            // keep watching and keep the last dot; the next fix moves it on.
            if (event && event.code === 1) {
                stop();
                clear();
            }
            say(texts.failed);
            if (event && event.message) { note.title = event.message; }
        });

        control.addTo(map);
        return control;
    };
}());
