"""Writers of files other programs open: GeoJSON (RFC 7946), KML 2.2, GPX 1.1."""
