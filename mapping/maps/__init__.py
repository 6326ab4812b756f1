"""Interactive maps: folium builders, the drawing map, and the JavaScript served with them."""
