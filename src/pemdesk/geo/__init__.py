"""Geometry, areas and projections (Qt-free). Geometry at rest is GeoJSON in WGS84 lon/lat."""
