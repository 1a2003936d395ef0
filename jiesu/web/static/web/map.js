// Leaflet maps (vendored 1.9.4): every <div class="lmap" data-layers="…"> gets the district,
// street and grid layers (a layer switch), optional tiles (settings; none offline) and optional
// points: data-points='[[lat, lng, "label"], …]' already in the map's datum.
(function () {
  if (!window.L) return;
  const GRID_COLOURS = ["#2563a6", "#c2410c", "#15803d", "#7c3aed"];
  document.querySelectorAll(".lmap[data-layers]").forEach(function (box) {
    const map = L.map(box, { zoomSnap: 0.25, attributionControl: true });
    const points = JSON.parse(box.dataset.points || "[]");
    // Optional figures per grid code (the dashboard's volumes): the layer holding them is shown
    // first and its grids are shaded by quintile.
    const values = box.dataset.values ? JSON.parse(box.dataset.values) : null;
    const SHADES = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];
    function shade(v, sorted) {
      if (v === undefined) return null;
      let i = 0;
      while (i < 4 && v > sorted[Math.floor((sorted.length - 1) * (i + 1) / 5)]) i++;
      return SHADES[i];
    }
    fetch(box.dataset.layers).then(function (r) { return r.json(); }).then(function (data) {
      if (data.tiles && data.tiles.url) {
        L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution || "", maxZoom: 19 }).addTo(map);
      }
      const district = L.geoJSON(data.district, { style: { color: "#1e3a8a", weight: 2, fill: false } }).addTo(map);
      const streets = L.geoJSON(data.streets, {
        style: { color: "#475569", weight: 1, fillOpacity: 0.03 },
        pointToLayer: function (f, ll) {
          return L.circleMarker(ll, { radius: 4, color: "#475569", weight: 1, fillOpacity: 0.6 });
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(f.properties.name + (f.properties.approximate ? "（近似位置）" : ""));
        },
      }).addTo(map);
      const overlays = { "区界": district, "街镇": streets };
      const sorted = values ? Object.values(values).sort(function (a, b) { return a - b; }) : [];
      const shaded = values ? data.grids.findIndex(function (g) {
        return g.geojson.features.some(function (f) { return f.properties.code in values; });
      }) : -1;
      data.grids.forEach(function (g, i) {
        const colour = GRID_COLOURS[i % GRID_COLOURS.length];
        const layer = L.geoJSON(g.geojson, {
          style: function (f) {
            const fill = i === shaded ? shade(values[f.properties.code], sorted) : null;
            return fill ? { color: "#7c2d12", weight: 1, fillColor: fill, fillOpacity: 0.7 }
                        : { color: colour, weight: 1, fillOpacity: 0.05, dashArray: "3" };
          },
          onEachFeature: function (f, l) {
            const v = i === shaded ? values[f.properties.code] : undefined;
            l.bindTooltip(f.properties.name + (f.properties.derived ? "（推算边界）" : "") + (v !== undefined ? "：" + v + "件" : ""));
          },
        });
        if (shaded >= 0 ? i === shaded : (i === 0 || box.dataset.allGrids)) layer.addTo(map);
        overlays[g.name] = layer;
      });
      L.control.layers(null, overlays, { collapsed: box.clientWidth < 500 }).addTo(map);
      const marks = points.map(function (p) {
        return L.circleMarker([p[0], p[1]], { radius: 7, color: "#b91c1c", weight: 2, fillOpacity: 0.8 }).bindTooltip(p[2] || "");
      });
      const group = L.featureGroup(marks).addTo(map);
      function fit() {
        if (marks.length === 1) map.setView(marks[0].getLatLng(), 14);
        else map.fitBounds((marks.length ? group : district).getBounds(), { padding: [8, 8] });
      }
      fit();
      // A map inside a closed <details> has no size until it opens.
      const details = box.closest("details");
      if (details) details.addEventListener("toggle", function () { map.invalidateSize(); fit(); });
      box.dataset.ready = "1";
    });
  });
})();
