// Citizen page: an idempotency key for the form, and a point picker on the district outline.
// The outline is in GCJ-02 (AutoNavi data); the picked point is converted to WGS-84 before it is
// stored, as the platform keeps WGS-84 coordinates.
(function () {
  const ref = document.getElementById("client-ref");
  if (ref && !ref.value) ref.value = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();

  const A = 6378245.0, EE = 0.00669342162296594323;
  function tLat(x, y) {
    let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
    r += (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
    return r;
  }
  function tLng(x, y) {
    let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
    r += (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
    return r;
  }
  function gcjToWgs(lng, lat) {  // one-step inverse, error well under 10 m in Beijing
    let dLat = tLat(lng - 105, lat - 35), dLng = tLng(lng - 105, lat - 35);
    const rad = lat / 180 * Math.PI;
    let magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
    const sq = Math.sqrt(magic);
    dLat = (dLat * 180) / ((A * (1 - EE)) / (magic * sq) * Math.PI);
    dLng = (dLng * 180) / (A / sq * Math.cos(rad) * Math.PI);
    return [lng - dLng, lat - dLat];
  }

  const box = document.getElementById("map");
  if (!box || !window.echarts) return;
  fetch(window.FENGTAI_GEO).then(r => r.json()).then(geo => {
    echarts.registerMap("fengtai", geo);
    const chart = echarts.init(box, null, { renderer: "canvas" });
    const option = {
      animation: false,
      geo: { map: "fengtai", roam: true, itemStyle: { areaColor: "#eef4fb", borderColor: "#2563a6" },
             emphasis: { disabled: true }, label: { show: false } },
      series: [{ type: "scatter", coordinateSystem: "geo", symbolSize: 14, itemStyle: { color: "#c62828" }, data: [] }],
    };
    chart.setOption(option);
    chart.getZr().on("click", e => {
      const point = chart.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]);
      if (!point) return;
      const [lng, lat] = gcjToWgs(point[0], point[1]);
      document.getElementById("lat").value = lat.toFixed(6);
      document.getElementById("lng").value = lng.toFixed(6);
      document.getElementById("picked").textContent = "北纬 " + lat.toFixed(5) + "，东经 " + lng.toFixed(5);
      chart.setOption({ series: [{ data: [point] }] });
    });
  });
})();
