// Fills the hidden lat/lng (WGS-84, as browsers report) of every locating form from the browser's
// geolocation; a check-in waits for a position before it is sent. Without a position a report
// still goes: the server then uses the photo's EXIF GPS.
(function () {
  var status = document.querySelector("[data-location-status]");
  var position = null;
  function say(text) { if (status) status.textContent = text; }
  function fill(pos) {
    position = pos;
    document.querySelectorAll("form[data-locate]").forEach(function (form) {
      form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("input[name=lng]").value = pos.coords.longitude.toFixed(6);
    });
    say("已定位（精度约" + Math.round(pos.coords.accuracy) + "米）");
  }
  function locate(then) {
    if (!navigator.geolocation) { say("浏览器不支持定位：上报将使用照片中的GPS位置"); if (then) then(false); return; }
    navigator.geolocation.getCurrentPosition(function (pos) { fill(pos); if (then) then(true); }, function () {
      say("未能定位：上报将使用照片中的GPS位置；到场签到需要允许定位");
      if (then) then(false);
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
  document.querySelectorAll("form[data-require-location]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (position) return;
      event.preventDefault();
      locate(function (ok) { if (ok) form.submit(); });
    });
  });
  locate();
})();
