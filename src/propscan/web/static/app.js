// Web pages only: show every <time datetime> in the reader's own time zone (the server writes UTC).
(function () {
  "use strict";
  var fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  document.querySelectorAll("time[datetime]").forEach(function (t) {
    var d = new Date(t.getAttribute("datetime"));
    if (!isNaN(d.getTime())) { t.textContent = fmt.format(d); t.title = t.getAttribute("datetime"); }
  });
})();
