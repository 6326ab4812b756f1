"""Interactive maps: folium builders, the drawing map, and the JavaScript served with them.

Where things are: ``overview`` builds the whole map from ``pins`` (the three
pin layers), ``areas`` (boundaries), ``legend`` (legend and layer counts) and
``popups``; ``markup`` escapes user text and holds colours and glyphs;
``elements`` holds the folium elements every map is made of (the offline map,
styles, scale, view); ``drawing`` is the map an area is drawn on; ``assets``
serves Leaflet from the app itself.
"""
