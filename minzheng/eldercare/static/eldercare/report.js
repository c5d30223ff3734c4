(function () {
  "use strict";
  // The same chart specifications the Word document draws with matplotlib. Tooltips are drawn
  // on the canvas (richText): the HTML ones carry inline styles the CSP blocks.
  var source = document.getElementById("report-charts");
  if (!source || !window.echarts) { return; }
  var charts = JSON.parse(source.textContent);
  var instances = [];
  charts.forEach(function (chart) {
    var target = document.getElementById("chart-" + chart.key);
    if (!target) { return; }
    var instance = echarts.init(target);
    var option;
    if (chart.kind === "pie") {
      option = {
        tooltip: {renderMode: "richText", trigger: "item"},
        legend: {bottom: 0},
        series: [{
          name: chart.series[0].name, type: "pie", radius: "60%",
          data: chart.categories.map(function (name, index) {
            return {name: name, value: chart.series[0].data[index]};
          })
        }]
      };
    } else {
      var horizontal = chart.kind === "barh";
      var category = {type: "category", data: chart.categories, inverse: horizontal};
      var value = {type: "value", name: chart.unit};
      option = {
        tooltip: {renderMode: "richText", trigger: "axis", axisPointer: {type: "shadow"}},
        legend: {data: chart.series.map(function (series) { return series.name; })},
        grid: {left: horizontal ? 160 : 50, right: 20, top: 30, bottom: 40},
        xAxis: horizontal ? value : category,
        yAxis: horizontal ? category : value,
        series: chart.series.map(function (series) {
          return {name: series.name, type: "bar", data: series.data};
        })
      };
    }
    instance.setOption(option);
    instances.push(instance);
  });
  window.addEventListener("resize", function () {
    instances.forEach(function (instance) { instance.resize(); });
  });
}());
