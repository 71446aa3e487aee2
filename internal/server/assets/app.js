// Tandem's only script besides htmx and ECharts: draws the charts described by data attributes, keeps
// countdowns ticking and wires small form behaviours, so the pages carry no inline script (the
// Content-Security-Policy forbids it).
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
      if (spec.stack) { drawStack(el, spec); return; }
      var series = spec.series || [{ name: spec.name, values: spec.values }];
      var chart = echarts.init(el, null, { renderer: "canvas" });
      // one_axis: every series on one axis named axis_name (the same amounts, compared side by side).
      var yAxes = (spec.one_axis ? series.slice(0, 1) : series).map(function (s, i) {
        return { type: "value", name: spec.one_axis ? spec.axis_name : s.name, position: i === 0 ? "left" : "right", minInterval: 1,
          splitLine: { show: i === 0 },
          max: spec.max && i === 0 ? spec.max : null,
          axisLabel: { formatter: s.money ? shortAmount : function (v) { return shortAmount(v); } } };
      });
      chart.setOption({
        animation: false,
        legend: { top: 0 },
        grid: { left: 64, right: series.length > 1 && !spec.one_axis ? 64 : 20, top: 48, bottom: 36 },
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

  // A stacked chart (data-chart with stack set): a bar per period, a series per kind, each segment
  // linking to the records behind it (series[k].links[i]).
  function drawStack(el, spec) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 36 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "category", data: spec.labels },
      yAxis: { type: "value", minInterval: 1, axisLabel: { formatter: shortAmount } },
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "all", data: s.values, cursor: "pointer", itemStyle: { color: s.color || null } };
      })
    });
    chart.on("click", function (p) {
      var link = (spec.series[p.seriesIndex].links || [])[p.dataIndex];
      if (link) { window.location.href = link; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // Sortable tables: table[data-sortable] gets a button in each th[data-sort] ("num" or "text"). Numbers
  // sort by the cell's data-v (exact minor units for money), text by what the cell shows. Numbers sort
  // biggest first on the first click, text A to Z.
  function sortTables(root) {
    root.querySelectorAll("table[data-sortable]").forEach(function (table) {
      if (table.dataset.sortReady || !table.tHead) { return; }
      table.dataset.sortReady = "1";
      var heads = table.tHead.rows[0].cells;
      Array.prototype.forEach.call(heads, function (th, col) {
        var type = th.dataset.sort;
        if (!type) { return; }
        var b = document.createElement("button");
        b.type = "button";
        b.className = "sort";
        b.textContent = th.textContent;
        th.textContent = "";
        th.appendChild(b);
        b.addEventListener("click", function () {
          var first = type === "num" ? "desc" : "asc";
          var dir = th.dataset.dir ? (th.dataset.dir === "asc" ? "desc" : "asc") : first;
          Array.prototype.forEach.call(heads, function (h) { delete h.dataset.dir; });
          th.dataset.dir = dir;
          var body = table.tBodies[0];
          var rows = Array.prototype.filter.call(body.rows, function (r) { return r.cells.length === heads.length; });
          var key = function (r) {
            var c = r.cells[col];
            if (type === "num") {
              var v = c.dataset.v !== undefined ? c.dataset.v : c.textContent.replace(/[^0-9.\-]/g, "");
              return v === "" ? -Infinity : Number(v);
            }
            return c.textContent.trim().toLowerCase();
          };
          rows.sort(function (a, b) {
            var x = key(a), y = key(b), c;
            if (type === "num") { c = x < y ? -1 : x > y ? 1 : 0; } else { c = x.localeCompare(y, undefined, { numeric: true }); }
            return dir === "asc" ? c : -c;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
    });
  }

  // Pickers submit their form when changed; file inputs with data-load-into read a text file into the
  // text area named, so a plan can be uploaded, looked at and edited before it is checked.
  function wireForms(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      if (sel.dataset.wired) { return; }
      sel.dataset.wired = "1";
      sel.addEventListener("change", function () { sel.form.requestSubmit ? sel.form.requestSubmit() : sel.form.submit(); });
    });
    root.querySelectorAll("input[type=file][data-load-into]").forEach(function (input) {
      if (input.dataset.wired) { return; }
      input.dataset.wired = "1";
      input.addEventListener("change", function () {
        var file = input.files && input.files[0], target = document.querySelector(input.dataset.loadInto);
        if (!file || !target) { return; }
        var reader = new FileReader();
        reader.onload = function () { target.value = reader.result; };
        reader.readAsText(file);
      });
    });
  }

  // Upload progress: a form holding progress[data-upload-progress] shows how much of its htmx upload
  // has been sent.
  document.addEventListener("htmx:xhr:progress", function (e) {
    var form = e.target.closest ? e.target.closest("form") : null;
    var bar = form && form.querySelector("progress[data-upload-progress]");
    if (!bar || !e.detail.lengthComputable) { return; }
    bar.hidden = false;
    bar.value = Math.round(e.detail.loaded * 100 / e.detail.total);
  });

  function init(root) {
    drawCharts(root);
    sortTables(root);
    wireForms(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });

  // The navigation menus: opening one closes the others; a click elsewhere or Escape closes them all.
  function closeMenus(except) {
    document.querySelectorAll("header.top details.menu[open]").forEach(function (d) {
      if (d !== except) { d.open = false; }
    });
  }
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (d.matches && d.matches("header.top details.menu") && d.open) { closeMenus(d); }
  }, true);
  document.addEventListener("click", function (e) {
    if (!e.target.closest || !e.target.closest("header.top details.menu")) { closeMenus(null); }
  });
  // Clickable rows: a click anywhere on a tr[data-href] (but on a link, button or field) opens its page.
  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("tr[data-href]");
    if (!row || e.target.closest("a, button, input, select, textarea, label, summary")) { return; }
    window.location.href = row.dataset.href;
  });
  // "/" focuses the global search, unless the user is typing somewhere; Escape closes the menus.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { closeMenus(null); return; }
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target, tag = t && t.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) { return; }
    var box = document.getElementById("global-search");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  });
  // An outerHTML swap replaces its target, so look at the whole document; every step skips what it
  // has done already.
  document.addEventListener("htmx:afterSettle", function () { init(document); });
  // shortDuration writes milliseconds as the server does: "3d 4h", "5h 20m", "35m".
  function shortDuration(ms) {
    var mins = Math.floor(ms / 60000), days = Math.floor(mins / 1440), hours = Math.floor(mins / 60) % 24;
    if (days > 0) { return days + "d " + hours + "h"; }
    if (hours > 0) { return hours + "h " + (mins % 60) + "m"; }
    return (mins % 60) + "m";
  }

  // Countdowns: the server writes the time left at its own clock (data-now) to a deadline
  // (data-deadline); the browser keeps counting from there, corrected for the skew between the clocks.
  function tickCountdowns(root) {
    root.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var deadline = Date.parse(el.dataset.deadline), serverNow = Date.parse(el.dataset.now);
      if (isNaN(deadline) || isNaN(serverNow)) { return; }
      if (!el.dataset.loaded) { el.dataset.loaded = String(Date.now()); }
      var now = serverNow + (Date.now() - Number(el.dataset.loaded)), left = deadline - now;
      el.textContent = left > 0 ? shortDuration(left) + " left" : "overdue by " + shortDuration(-left);
      el.classList.toggle("overdue", left <= 0);
      el.classList.toggle("soon", left > 0 && left < 864e5);
    });
  }

  // Forms: data-confirm asks first; a select with data-autosubmit submits its form when changed; a
  // field with data-shown-for="v" shows only while its form's resolution radio is v.
  function wireForms(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (f) {
      if (f.dataset.wired) { return; }
      f.dataset.wired = "1";
      f.addEventListener("submit", function (e) { if (!window.confirm(f.dataset.confirm)) { e.preventDefault(); } });
    });
    root.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      if (sel.dataset.wired) { return; }
      sel.dataset.wired = "1";
      sel.addEventListener("change", function () { sel.form.requestSubmit(); });
    });
    root.querySelectorAll("[data-shown-for]").forEach(function (el) {
      var form = el.closest("form");
      if (!form || el.dataset.wired) { return; }
      el.dataset.wired = "1";
      var sync = function () {
        var on = form.querySelector('input[name="resolution"]:checked');
        el.hidden = !on || on.value !== el.dataset.shownFor;
      };
      form.querySelectorAll('input[name="resolution"]').forEach(function (r) { r.addEventListener("change", sync); });
      sync();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
    tickCountdowns(document);
    wireForms(document);
    window.setInterval(function () { tickCountdowns(document); }, 30000);
  });
  document.addEventListener("htmx:afterSettle", function (e) { drawCharts(e.target); tickCountdowns(e.target); wireForms(e.target); });
})();
