// Citizen page: an idempotency key for the form, and a point picker on the district outline.
// The outline (/citizen/outline.geojson) is served in the datum the platform reads order
// coordinates in — settings.JIESU_ORDER_COORDINATES, GCJ-02 by default like the map apps
// (jiesu.common.geo). A point picked on it is therefore already in that datum and is sent as it
// is: the server converts order points to WGS-84 where it needs them (grid lookup, dispatch
// locator). Converting here as well would move the point by the GCJ-02 offset (~500 m in Beijing).
(function () {
  const ref = document.getElementById("client-ref");
  if (ref && !ref.value) ref.value = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();

  const box = document.getElementById("map");
  if (!box || !window.echarts) return;
  const lat = document.getElementById("lat"), lng = document.getElementById("lng");
  const picked = document.getElementById("picked");
  fetch(window.FENGTAI_GEO).then(r => r.json()).then(geo => {
    echarts.registerMap("fengtai", geo);
    const chart = echarts.init(box, null, { renderer: "canvas" });
    // A point kept from a refused submission is drawn again (same datum as the outline).
    const kept = lat.value && lng.value ? [[Number(lng.value), Number(lat.value)]] : [];
    chart.setOption({
      animation: false,
      geo: { map: "fengtai", roam: true, itemStyle: { areaColor: "#eef4fb", borderColor: "#2563a6" },
             emphasis: { disabled: true }, label: { show: false } },
      series: [{ type: "scatter", coordinateSystem: "geo", symbolSize: 14, itemStyle: { color: "#c62828" }, data: kept }],
    });
    chart.getZr().on("click", e => {
      const point = chart.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]);
      if (!point) return;
      lat.value = point[1].toFixed(6);
      lng.value = point[0].toFixed(6);
      if (picked) picked.textContent = "北纬 " + point[1].toFixed(5) + "，东经 " + point[0].toFixed(5);
      chart.setOption({ series: [{ data: [point] }] });
    });
    box.dataset.ready = "1";
  });
})();
