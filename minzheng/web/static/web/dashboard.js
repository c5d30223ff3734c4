(function () {
  "use strict";
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
    tooltip: {trigger: "axis"},
    grid: {left: 110, right: 20, top: 10, bottom: 30},
    xAxis: {type: "value"},
    yAxis: {type: "category", data: data.towns, inverse: true},
    series: [{type: "bar", name: "人口", data: data.population, label: {show: true, position: "right"}}]
  });
  chart("chart-pyramid", {
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"},
      valueFormatter: function (value) { return Math.abs(value); }},
    legend: {data: ["男", "女"]},
    grid: {left: 60, right: 20, top: 30, bottom: 30},
    xAxis: {type: "value", axisLabel: {formatter: function (value) { return Math.abs(value); }}},
    yAxis: {type: "category", data: data.bands},
    series: [
      {name: "男", type: "bar", stack: "total", data: data.male},
      {name: "女", type: "bar", stack: "total", data: data.female}
    ]
  });
  chart("chart-ageing", {
    tooltip: {trigger: "axis", valueFormatter: function (value) { return value + "%"; }},
    legend: {data: ["60岁及以上", "80岁及以上"]},
    grid: {left: 50, right: 20, top: 30, bottom: 60},
    xAxis: {type: "category", data: data.towns, axisLabel: {rotate: 30}},
    yAxis: {type: "value", axisLabel: {formatter: "{value}%"}},
    series: [
      {name: "60岁及以上", type: "bar", data: data.share60},
      {name: "80岁及以上", type: "bar", data: data.share80}
    ]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
