// Tandem's only script besides htmx and ECharts: draws the charts described by data attributes, so
// the pages carry no inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  // shortAmount writes an axis amount the way the tables do: 12400000 → "12.4M".
  function shortAmount(v) {
    var units = [[1e9, "B"], [1e6, "M"], [1e3, "k"]];
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(v) >= units[i][0]) {
        return (v / units[i][0]).toFixed(1).replace(/\.0$/, "") + units[i][1];
      }
    }
    return String(v);
  }

  // A chart element carries its data as JSON in data-chart:
  //   {labels:[], links:[], colors:[], series:[{name, values:[], display:[], axis:0|1, money:bool}]}
  // Each bar links to the filtered opportunity list behind it (links[i]), like every number in the
  // tables next to it.
  function drawCharts(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      el.dataset.drawn = "1";
      var spec = JSON.parse(el.dataset.chart);
      var series = spec.series || [{ name: spec.name, values: spec.values }];
      var chart = echarts.init(el, null, { renderer: "canvas" });
      var yAxes = series.map(function (s, i) {
        return { type: "value", name: s.name, position: i === 0 ? "left" : "right", minInterval: 1,
          splitLine: { show: i === 0 },
          axisLabel: { formatter: s.money ? shortAmount : function (v) { return shortAmount(v); } } };
      });
      chart.setOption({
        animation: false,
        legend: { top: 0 },
        grid: { left: 64, right: series.length > 1 ? 64 : 20, top: 48, bottom: 36 },
        tooltip: {
          trigger: "axis", axisPointer: { type: "shadow" },
          formatter: function (items) {
            var i = items[0].dataIndex;
            return [spec.labels[i]].concat(series.map(function (s) {
              return s.name + ": " + ((s.display || [])[i] || s.values[i]);
            })).join("<br>");
          }
        },
        xAxis: { type: "category", data: spec.labels },
        yAxis: yAxes,
        series: series.map(function (s, si) {
          return { name: s.name, type: "bar", yAxisIndex: Math.min(s.axis || 0, yAxes.length - 1), data: s.values,
            cursor: "pointer",
            itemStyle: {
              color: function (p) { return (spec.colors || [])[p.dataIndex] || "#1f5fbf"; },
              opacity: si === 0 ? 1 : 0.55, decal: si === 0 ? null : { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [3, 3], rotation: -0.8 }
            } };
        })
      });
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
