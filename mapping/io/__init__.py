"""Files in and out: imports of areas and points, bulk tables, exports, HSDS, QGIS styles."""
