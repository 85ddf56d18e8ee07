/* pemdesk portal: progressive enhancement only (every figure is also in the HTML). */
(function () {
  "use strict";
  function chart() {
    var el = document.getElementById("chart-months");
    var src = document.getElementById("data-months");
    if (!el || !src || !window.uPlot) return;
    var rows = JSON.parse(src.textContent || "[]");
    if (!rows.length) return;
    var xs = rows.map(function (r, i) { return i; });
    var ys = rows.map(function (r) { return r[1]; });
    var labels = rows.map(function (r) { return r[0]; });
    var opts = {
      width: Math.max(320, el.clientWidth), height: 260,
      scales: { x: { time: false }, y: { range: function (u, lo, hi) { return [0, Math.max(1, hi) * 1.1]; } } },
      legend: { show: false },
      axes: [{ values: function (u, vals) { return vals.map(function (v) { return labels[v] || ""; }); } }, {}],
      series: [{}, { label: el.dataset.label || "", stroke: "#2e6b45", fill: "rgba(46,107,69,0.25)",
                     paths: uPlot.paths.bars({ size: [0.8, 40] }) }]
    };
    window.pemChart = new uPlot(opts, [xs, ys], el);
  }

  function map() {
    var el = document.getElementById("map");
    if (!el || !window.L) return;
    var m = L.map(el, { preferCanvas: true }).setView([46.8, 103.0], 5);
    window.pemMap = m;
    var boundaries = L.layerGroup().addTo(m);
    fetch("/api/boundaries/aimags").then(function (r) { return r.json(); }).then(function (g) {
      L.geoJSON(g, { style: { color: "#6e6e6e", weight: 1, fill: false }, interactive: false }).addTo(boundaries);
    });
    var soums = L.layerGroup();
    fetch("/api/boundaries/soums").then(function (r) { return r.json(); }).then(function (g) {
      L.geoJSON(g, { style: { color: "#9a9a9a", weight: 0.5, dashArray: "2,3", fill: false }, interactive: false }).addTo(soums);
    });
    var data = L.layerGroup().addTo(m);
    window.pemFeatures = [];
    var params = new URLSearchParams(window.location.search);
    function styleOf(f) {
      var c = f.properties.colour || "#888";
      return { color: "#333", weight: 1, fillColor: c, fillOpacity: 0.7 };
    }
    function point(f, latlng) {
      var p = f.properties, opts;
      if (p.layer === "site") opts = { radius: 7, color: "#fff", weight: 2, fillColor: "#3b1f5c", fillOpacity: 1 };
      else if (p.layer === "plot") opts = { radius: 4, color: "#333", weight: 1, fillColor: p.colour, fillOpacity: 0.9 };
      else if (p.layer === "visit") opts = { radius: 4, color: "#333", weight: 1, fillColor: "#fff", fillOpacity: 1 };
      else opts = { radius: 3, color: "#fff", weight: 1, fillColor: "#000", fillOpacity: 1 };
      return L.circleMarker(latlng, opts);
    }
    var seq = 0;
    function load() {
      var b = m.getBounds(), mine = ++seq;
      var q = new URLSearchParams(params);
      q.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(4); }).join(","));
      q.set("zoom", m.getZoom());
      fetch(el.dataset.api + "?" + q.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (g) {
          if (mine !== seq) return;
          data.clearLayers();
          window.pemFeatures = g.features;
          L.geoJSON(g, { style: styleOf, pointToLayer: point, onEachFeature: function (f, layer) {
            var p = f.properties;
            var text = document.createElement("a");
            text.href = p.url; text.textContent = p.name || p.date || p.id;
            layer.bindPopup(text);
            layer.on("dblclick", function () { window.location = p.url; });
          } }).addTo(data);
          el.dataset.loaded = String(g.features.length);
        });
    }
    m.on("moveend", load);
    m.on("zoomend", function () {
      if (m.getZoom() >= 8) soums.addTo(m); else soums.remove();
    });
    load();
  }
  document.addEventListener("DOMContentLoaded", function () { chart(); map(); });
})();
