"""The offline map: a tiled, cached QPainter canvas over ``pemdesk.geo.mapdata`` layers."""
