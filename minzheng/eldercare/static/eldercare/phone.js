// The caregiver's phone page: fill the "lat,lng" field from the browser's geolocation.
// A typed location is kept; the page works without this script (the field can be typed).
(function () {
  "use strict";
  function locate(button) {
    var field = document.getElementById(button.getAttribute("data-locate"));
    var status = document.getElementById(button.getAttribute("data-status"));
    if (!field) { return; }
    if (!navigator.geolocation) {
      if (status) { status.textContent = "本机不支持定位，请手工填写“纬度,经度”"; }
      return;
    }
    if (status) { status.textContent = "正在定位…"; }
    navigator.geolocation.getCurrentPosition(function (position) {
      field.value = position.coords.latitude.toFixed(6) + "," + position.coords.longitude.toFixed(6);
      if (status) { status.textContent = "已定位（精度约" + Math.round(position.coords.accuracy) + "米）"; }
    }, function (error) {
      if (status) { status.textContent = "定位失败（" + error.message + "），请手工填写“纬度,经度”"; }
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  // While a visit is under way, keep the sign-in alive (the session ends after 30 idle
  // minutes, and a visit may last longer): a light request every 10 minutes.
  function keepAlive(url) {
    window.setInterval(function () {
      fetch(url, { credentials: "same-origin", cache: "no-store" });
    }, 10 * 60 * 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var visit = document.querySelector("[data-keep-alive]");
    if (visit) { keepAlive(visit.getAttribute("data-keep-alive")); }
    var buttons = document.querySelectorAll("[data-locate]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () { locate(button); });
      var field = document.getElementById(button.getAttribute("data-locate"));
      if (field && !field.value) { locate(button); }
    });
  });
})();
