"""Readers of geo files people already have (GPX, KML/KMZ, GeoJSON, Shapefile, CSV, licence corners).

Every reader is Qt-free, takes a path and returns plain data in WGS84 lon/lat; a file it cannot
read becomes an ``InvalidInput`` that names the file and the problem in both languages.
"""
