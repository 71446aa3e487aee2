// The forecast page's two charts (ECharts): the quarter by category — the P10–P90 band as a floating
// bar, P50, the owners' commit and won to date as markers, each category a link to its deals — and
// the week-over-week waterfall of the open pipeline.
(function () {
  "use strict";
  function draw() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-forecast-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      el.dataset.drawn = "1";
      var spec = JSON.parse(el.dataset.forecastChart);
      var chart = echarts.init(el, null, { renderer: "canvas" });
      var base = { animation: false, legend: { top: 0 }, grid: { left: 80, right: 20, top: 48, bottom: 36 },
        xAxis: { type: "category", data: spec.labels }, yAxis: { type: "value" } };
      if (spec.kind === "bands") {
        base.tooltip = { trigger: "axis", axisPointer: { type: "shadow" } };
        base.series = [
          { name: "P10", type: "bar", stack: "band", itemStyle: { color: "transparent" }, data: spec.p10, tooltip: { show: false } },
          { name: "P10–P90", type: "bar", stack: "band", itemStyle: { color: "#9ec5f8" }, data: spec.band, cursor: "pointer" },
          { name: "P50", type: "scatter", symbol: "diamond", symbolSize: 14, itemStyle: { color: "#1f5fbf" }, data: spec.p50 },
          { name: "Commit (roll-up)", type: "scatter", symbol: "rect", symbolSize: [36, 4], itemStyle: { color: "#c0392b" }, data: spec.commit },
          { name: "Won to date", type: "scatter", symbol: "circle", symbolSize: 10, itemStyle: { color: "#2e7d32" }, data: spec.won }
        ];
        chart.on("click", function (p) { var l = (spec.links || [])[p.dataIndex]; if (l) { window.location = l; } });
      } else {
        base.legend = { show: false };
        base.series = [
          { name: "base", type: "bar", stack: "w", itemStyle: { color: "transparent" }, data: spec.base },
          { name: "change", type: "bar", stack: "w", data: spec.values.map(function (v, i) {
            return { value: v, itemStyle: { color: spec.up[i] ? "#2e7d32" : "#c0392b" } };
          }), label: { show: true, position: "top" } }
        ];
      }
      chart.setOption(base);
      el.dataset.ready = "1";
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();

// The CRO call view's print button (no inline handlers: the content security policy forbids them).
document.getElementById("print-call")?.addEventListener("click", () => window.print());
