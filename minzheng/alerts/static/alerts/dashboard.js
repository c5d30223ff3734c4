(function () {
  "use strict";
  // Tooltips drawn on the canvas (richText): the HTML ones carry inline styles the CSP blocks.
  var source = document.getElementById("chart-data");
  var target = document.getElementById("chart-alerts");
  if (!source || !window.echarts || !target) { return; }
  var data = JSON.parse(source.textContent);
  var instance = echarts.init(target);
  instance.setOption({
    tooltip: {renderMode: "richText", trigger: "axis", axisPointer: {type: "shadow"}},
    legend: {data: ["待处理", "已超期", "已办结"]},
    grid: {left: 170, right: 20, top: 30, bottom: 30},
    xAxis: {type: "value"},
    yAxis: {type: "category", data: data.kinds, inverse: true},
    series: [
      {name: "待处理", type: "bar", stack: "state", data: data.open},
      {name: "已超期", type: "bar", data: data.overdue},
      {name: "已办结", type: "bar", stack: "state", data: data.closed}
    ]
  });
  window.addEventListener("resize", function () { instance.resize(); });
}());
