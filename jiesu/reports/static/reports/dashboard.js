// Leader dashboard: draws the live figures embedded in the page (json_script) with ECharts.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var RED = "#9b1c1c", COLOURS = ["#9b1c1c", "#1d4ed8", "#047857", "#b45309", "#6d28d9"];
  var SCORE = ["#b91c1c", "#f97316", "#facc15", "#84cc16", "#15803d"];
  var charts = [];

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el);
    chart.setOption(Object.assign({ color: COLOURS, textStyle: { fontFamily: "Noto Sans CJK SC, Microsoft YaHei, sans-serif" } }, option));
    charts.push(chart);
  }
  function pct(v) { return v === null || v === undefined ? "—" : v.toFixed(2) + "%"; }

  var t = data.trend;
  draw("chart-trend", {
    tooltip: { trigger: "axis", valueFormatter: pct },
    legend: { bottom: 0 },
    grid: { left: 48, right: 24, top: 24, bottom: 48 },
    xAxis: { type: "category", data: t.months },
    yAxis: { type: "value", scale: true, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: "响应率", type: "line", data: t.response_rate, connectNulls: false },
      { name: "解决率", type: "line", data: t.resolution_rate },
      { name: "满意率", type: "line", data: t.satisfaction_rate },
      { name: "综合得分", type: "line", data: t.composite, lineStyle: { width: 3 } },
    ],
  });
  draw("chart-volume", {
    tooltip: { trigger: "axis" },
    grid: { left: 56, right: 24, top: 24, bottom: 32 },
    xAxis: { type: "category", data: t.months },
    yAxis: { type: "value", name: "件" },
    series: [{ name: "诉求量", type: "bar", data: t.received, itemStyle: { color: RED }, label: { show: true, position: "top" } }],
  });

  // Only ranked units: a unit under the minimum sample is listed in the table, not ranked here.
  var ranked = data.units.filter(function (u) { return u.rank !== null && u.composite !== null; }).slice().reverse();
  draw("chart-ranking", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 150, right: 48, top: 8, bottom: 24 },
    xAxis: { type: "value", scale: true },
    yAxis: { type: "category", data: ranked.map(function (u) { return u.rank + ". " + u.name + "（n=" + u.callbacks + "）"; }), axisLabel: { fontSize: 11 } },
    series: [{ name: "综合得分", type: "bar", data: ranked.map(function (u) { return u.composite; }), itemStyle: { color: RED },
               label: { show: true, position: "right", formatter: function (p) { return p.value.toFixed(2); } } }],
  });

  var scores = data.map.streets.map(function (s) { return s.value[2]; }).filter(function (v) { return v !== null; });
  var lo = scores.length ? Math.min.apply(null, scores) : 0, hi = scores.length ? Math.max.apply(null, scores) : 100;
  var visual = { min: lo, max: hi === lo ? lo + 1 : hi, dimension: 2, calculable: true, inRange: { color: SCORE }, text: ["高", "低"], left: 8, bottom: 8 };
  if (data.map.mode === "polygons") {
    echarts.registerMap("fengtai-streets", { type: "FeatureCollection", features: data.map.polygons.map(function (p) {
      var g = p.boundary.type === "Feature" ? p.boundary.geometry : p.boundary;
      return { type: "Feature", properties: { name: p.name }, geometry: g };
    }) });
    draw("chart-map", {
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + (p.value === undefined || isNaN(p.value) ? "—" : p.value.toFixed(2)); } },
      visualMap: Object.assign({}, visual, { dimension: undefined }),
      series: [{ type: "map", map: "fengtai-streets", label: { show: true, fontSize: 10 },
                 data: data.map.polygons.map(function (p) { return { name: p.name, value: p.score }; }) }],
    });
  } else {
    echarts.registerMap("fengtai", { type: "FeatureCollection", features: [{ type: "Feature", properties: { name: "丰台区" }, geometry: data.map.outline }] });
    draw("chart-map", {
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>综合得分 " + (p.value[2] === null ? "—" : p.value[2].toFixed(2)) + (p.data.rank ? "（第" + p.data.rank + "名）" : ""); } },
      geo: { map: "fengtai", roam: true, layoutCenter: ["50%", "45%"], layoutSize: "100%", itemStyle: { areaColor: "#f9fafb", borderColor: "#6b7280" }, label: { show: false }, emphasis: { disabled: true } },
      visualMap: visual,
      series: [{ type: "scatter", coordinateSystem: "geo", symbolSize: 18, data: data.map.streets,
                 label: { show: true, position: "bottom", fontSize: 10, formatter: function (p) { return p.name.replace("街道", ""); } },
                 itemStyle: { borderColor: "#fff", borderWidth: 1 } }],
    });
  }

  var cats = data.categories.slice().reverse();
  draw("chart-categories", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { bottom: 0 },
    grid: { left: 120, right: 40, top: 8, bottom: 40 },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: cats.map(function (c) { return c.name; }) },
    series: [
      { name: "本月", type: "bar", data: cats.map(function (c) { return c.volume; }), itemStyle: { color: RED } },
      { name: "上月", type: "bar", data: cats.map(function (c) { return c.previous; }), itemStyle: { color: "#9ca3af" } },
    ],
  });
  if (data.unit_trend.length) {
    draw("chart-unit-trend", {
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 48, right: 24, top: 16, bottom: 48 },
      xAxis: { type: "category", data: t.months },
      yAxis: { type: "value", scale: true },
      series: data.unit_trend.map(function (u) { return { name: u.name, type: "line", data: u.values }; }),
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
