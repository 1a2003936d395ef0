/* Charts of the proactive pages (热点地图, 季节走势, 预测); data from json_script blocks. */
(function () {
  function read(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }

  var map = read("map-data"), mapEl = document.getElementById("hotspot-map");
  if (map && mapEl) {
    echarts.registerMap("fengtai", { type: "FeatureCollection", features: [{ type: "Feature", properties: { name: "丰台区" }, geometry: map.outline }] });
    var maxHeat = Math.max.apply(null, map.points.map(function (p) { return p.value[2]; }).concat([1]));
    var chart = echarts.init(mapEl);
    chart.setOption({
      animation: false,
      tooltip: { formatter: function (p) { return p.data.name + "<br>" + (p.data.place || "") + " · " + p.data.size + "件 · 热度" + p.data.value[2]; } },
      geo: { map: "fengtai", roam: true, itemStyle: { areaColor: "#f9fafb", borderColor: "#6b7280" }, emphasis: { disabled: true } },
      series: [{ type: "scatter", coordinateSystem: "geo", data: map.points,
        symbolSize: function (v) { return 8 + 30 * v[2] / maxHeat; },
        itemStyle: { color: function (p) { return p.data.approx ? "rgba(155,28,28,0.25)" : "rgba(155,28,28,0.75)"; }, borderColor: "#9b1c1c" } }]
    });
    chart.on("click", function (p) { if (p.data && p.data.key) { window.location = "/reports/hotspots/" + encodeURIComponent(p.data.key) + "/"; } });
  }

  var seasonal = read("seasonal-data");
  if (seasonal && document.getElementById("chart-months")) {
    echarts.init(document.getElementById("chart-months")).setOption({
      animation: false, title: { text: "月度诉求量", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, legend: { type: "scroll", bottom: 0 },
      xAxis: { type: "category", data: seasonal.months }, yAxis: { type: "value" },
      series: seasonal.series.map(function (s) { return { name: s.name, type: "line", data: s.data, smooth: true }; })
    });
    echarts.init(document.getElementById("chart-index")).setOption({
      animation: false, title: { text: "季节指数（1.0 为平常）", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, legend: { type: "scroll", bottom: 0 },
      xAxis: { type: "category", data: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"] }, yAxis: { type: "value" },
      series: seasonal.index.map(function (s) { return { name: s.name, type: "line", data: s.data }; })
    });
  }

  var forecasts = read("forecast-data"), box = document.getElementById("forecast-charts");
  if (forecasts && box) {
    forecasts.forEach(function (f) {
      var el = document.createElement("div"); el.className = "chart"; el.style.height = "260px"; box.appendChild(el);
      var last = f.history.length ? [f.history[f.history.length - 1]] : [];
      echarts.init(el).setOption({
        animation: false, title: { text: f.name, textStyle: { fontSize: 13 } }, tooltip: { trigger: "axis" },
        legend: { bottom: 0, data: ["实际", "预测", "80%区间"] },
        xAxis: { type: "time" }, yAxis: { type: "value", min: 0 },
        series: [
          { name: "实际", type: "line", showSymbol: false, data: f.history },
          { name: "预测", type: "line", lineStyle: { type: "dashed", color: "#9b1c1c" }, itemStyle: { color: "#9b1c1c" },
            data: last.concat(f.forecast.map(function (p) { return [p[0], p[1]]; })) },
          { name: "80%区间", type: "line", symbol: "none", lineStyle: { type: "dotted", color: "#d97706" }, itemStyle: { color: "#d97706" },
            data: f.forecast.map(function (p) { return [p[0], p[3]]; }) },
          { name: "80%区间", type: "line", symbol: "none", lineStyle: { type: "dotted", color: "#d97706" }, itemStyle: { color: "#d97706" },
            data: f.forecast.map(function (p) { return [p[0], p[2]]; }) }
        ]
      });
    });
  }
})();
