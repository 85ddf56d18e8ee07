"""The offline map: one cached view image of ``pemdesk.geo.mapdata`` layers, live overlays.

Adding to the map (keep your edit to these few lines)
------------------------------------------------------
**A point layer of your records** (issue 14's deployments, say):

1. Put the points into the model where the records are loaded — ``MapModel.load_records``
   builds ``model.points[name]`` as a ``PointLayer`` (``PointLayer.from_lonlat(name, lons, lats,
   ids, groups=…, attrs=[{"site_id": …}, …])``); ``attrs[i]["site_id"]`` lets the tree's filters
   hide it with its site. Add the query to ``storage.geo.map_data`` (a ``MapData`` field).
2. Register how it is drawn, once, at import of your module::

       from pemdesk.geo import symbology as sym
       from pemdesk.labels import N_
       from pemdesk.ui.map.render import register_layer

       STYLE = sym.PointStyle(shape="triangle", size_mm=2.4, fill="#009e73", stroke="#000000")
       register_layer(
           "deployments", N_("Instrument deployments"),
           lambda lp, painter, ctx: lp.points(painter, ctx, "deployments", STYLE),
           above="visits",            # drawn just above this layer
       )

   It then appears in every map's layer list (check box, order, opacity) with that title, is
   drawn in print images too, and respects ``LayerPainter.filters["deployments"]`` (a set of
   ids, or absent for all). For anything other than points, ``paint(lp, painter, ctx)`` gets a
   ``QPainter`` set to Mercator metres (``ctx.world_to_device``), the box ``ctx.qbox``, metres
   per pixel ``ctx.res``, level of detail ``ctx.lod`` and zoom ``ctx.zoom``; ``lp.path(layer, i,
   lod)`` gives cached paths of a ``ShapeLayer``.
3. Labels: append ``mapdata.Label(x, y, text_mn, text_en, kind, min_zoom, max_zoom, priority,
   fid)`` in ``load_records`` and map the kind to your layer in ``canvas.LABEL_LAYER`` (and a
   style in ``canvas.LABEL_STYLES``).

**Plots as on a date** (issue 15's time slider): ``MapWidget.set_as_of(day)`` reloads the
records as they were on that day. For a cheap recolouring without a reload,
``canvas.layer_painter.stage_override = {plot_id: stage_index}`` (index into
``list(PlotStage)``; absent plots keep their stored stage) then
``canvas.invalidate(clear_paths=False)``; the stage filter uses it too.

**Anything that changed what is drawn** (visibility, opacity, order, filters, overrides):
``canvas.invalidate(clear_paths=False)``; after a data change ``canvas.invalidate()``.

Selecting something from elsewhere: ``MapWidget.focus(layer, id)`` selects it and brings it into
view (waits for the records if they are still loading); ``MapWidget.go_back()`` returns.
The live GPS is ``ui.map.gps.shared_gps()`` (signals ``fix_received``, ``status_changed``).
"""
