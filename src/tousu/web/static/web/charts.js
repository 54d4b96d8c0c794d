// Company charts: draws the series of a <script type="application/json"> (Django json_script)
// with the vendored uPlot. The same numbers are in the table next to each chart, which is what
// readers without JavaScript (and screen readers) use.
(function () {
  "use strict";
  function draw(el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    if (!data.length || typeof uPlot === "undefined") return;
    var xs = data.map(function (d) { return Date.parse(d.week + "T00:00:00+08:00") / 1000; });
    var series = [{}], values = [xs], axes = [{}];
    var kind = el.dataset.chart;
    if (kind === "volume") {
      series.push({ label: el.dataset.labelValid, stroke: "#b42318", fill: "rgba(180,35,24,0.15)", width: 2 });
      values.push(data.map(function (d) { return d.valid; }));
      axes.push({});
    } else {
      series.push({ label: el.dataset.labelReply, stroke: "#175cd3", width: 2, scale: "%" });
      series.push({ label: el.dataset.labelCompletion, stroke: "#067647", width: 2, scale: "%" });
      values.push(data.map(function (d) { return d.reply_rate; }));
      values.push(data.map(function (d) { return d.completion_rate; }));
      axes.push({ scale: "%", values: function (u, ticks) { return ticks.map(function (t) { return t + "%"; }); } });
    }
    var opts = {
      width: Math.max(260, el.clientWidth || 320),
      height: 200,
      series: series,
      axes: axes,
      scales: { "%": { range: [0, 100] } },
      legend: { show: true },
    };
    var plot = new uPlot(opts, values, el);
    window.addEventListener("resize", function () {
      plot.setSize({ width: Math.max(260, el.clientWidth || 320), height: 200 });
    });
  }
  function init() {
    document.querySelectorAll("[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
