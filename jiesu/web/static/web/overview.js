// Leader overview: two bar charts; a click opens the order list filtered to that bar.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  function bars(elementId, rows, linkFor) {
    if (!rows.length) {
      document.getElementById(elementId).innerHTML = '<p class="empty-chart">近30天暂无数据</p>';
      return;
    }
    const chart = echarts.init(document.getElementById(elementId), null, { renderer: "svg" });
    const ordered = rows.slice().reverse();
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", splitLine: { lineStyle: { color: "#eef1f5" } } },
      yAxis: { type: "category", data: ordered.map(r => r.name), axisTick: { show: false } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      series: [{ type: "bar", data: ordered.map(r => r.value), barMaxWidth: 18, cursor: "pointer",
                 itemStyle: { color: "#2563a6" }, label: { show: true, position: "right" } }],
    });
    chart.on("click", params => { window.location.href = linkFor(ordered[params.dataIndex]); });
    window.addEventListener("resize", () => chart.resize());
  }
  bars("chart-categories", data.categories, r => "/orders/?category=" + encodeURIComponent(r.code) + "&from=" + data.since);
  bars("chart-streets", data.streets, r => "/orders/?street=" + r.id + "&from=" + data.since);
})();
