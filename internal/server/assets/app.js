// Tandem's only script besides htmx and ECharts: draws the charts described by data attributes, so
// the pages carry no inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  // A chart element carries its data as JSON in data-chart: {labels:[], values:[], links:[], name:""}.
  function drawCharts(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      el.dataset.drawn = "1";
      var spec = JSON.parse(el.dataset.chart);
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        grid: { left: 60, right: 20, top: 20, bottom: 40 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: spec.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: spec.name, type: "bar", data: spec.values,
          itemStyle: { color: function (p) { return (spec.colors || [])[p.dataIndex] || "#1f5fbf"; } } }]
      });
      // Every number links to the filtered opportunity list: so does every bar.
      chart.on("click", function (p) {
        var link = (spec.links || [])[p.dataIndex];
        if (link) { window.location.href = link; }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (e) { drawCharts(e.target); });
})();
