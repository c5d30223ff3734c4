(function () {
  "use strict";
  // Tooltips drawn on the canvas (richText): the HTML ones carry inline styles the CSP blocks.
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts || !document.getElementById("chart-towns")) { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  function chart(id, option) {
    var instance = echarts.init(document.getElementById(id));
    instance.setOption(option);
    charts.push(instance);
  }
  chart("chart-towns", {
    tooltip: {renderMode: "richText", trigger: "axis"},
    grid: {left: 110, right: 20, top: 10, bottom: 30},
    xAxis: {type: "value"},
    yAxis: {type: "category", data: data.towns, inverse: true},
    series: [{type: "bar", name: data.labels.population, data: data.population, label: {show: true, position: "right"}}]
  });
  chart("chart-pyramid", {
    tooltip: {renderMode: "richText", trigger: "axis", axisPointer: {type: "shadow"},
      valueFormatter: function (value) { return Math.abs(value); }},
    legend: {data: [data.labels.male, data.labels.female]},
    grid: {left: 60, right: 20, top: 30, bottom: 30},
    xAxis: {type: "value", axisLabel: {formatter: function (value) { return Math.abs(value); }}},
    yAxis: {type: "category", data: data.bands},
    series: [
      {name: data.labels.male, type: "bar", stack: "total", data: data.male},
      {name: data.labels.female, type: "bar", stack: "total", data: data.female}
    ]
  });
  chart("chart-ageing", {
    tooltip: {renderMode: "richText", trigger: "axis", valueFormatter: function (value) { return value + "%"; }},
    legend: {data: [data.labels.aged60, data.labels.aged80]},
    grid: {left: 50, right: 20, top: 30, bottom: 60},
    xAxis: {type: "category", data: data.towns, axisLabel: {rotate: 30}},
    yAxis: {type: "value", axisLabel: {formatter: "{value}%"}},
    series: [
      {name: data.labels.aged60, type: "bar", data: data.share60},
      {name: data.labels.aged80, type: "bar", data: data.share80}
    ]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
