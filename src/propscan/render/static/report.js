// propscan report behaviour: span details (a side panel; a bottom sheet on phones), technique
// toggles that filter everything shown, and "show in text" links that flash the passage.
// Reads data only from the JSON blob and sets text with textContent, never innerHTML, so
// article text stays inert.
(function () {
  "use strict";
  var blob = document.getElementById("ps-data");
  if (!blob) { return; }
  var data = JSON.parse(blob.textContent);
  var hidden = {};
  var showUncertain = false;
  var uncertainBox = document.getElementById("ps-uncertain");
  var authorBox = document.getElementById("ps-author-only");
  var authorOnly = false;
  var details = document.getElementById("ps-details");
  var marks = Array.prototype.slice.call(document.querySelectorAll("mark.ps"));
  var selected = null;
  var placeholder = Array.prototype.map.call(details.childNodes, function (n) { return n.cloneNode(true); });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function visibleSpans(mark) {
    return mark.getAttribute("data-spans").split(" ").map(function (i) { return data.spans[Number(i)]; })
      .filter(function (s) { return s && !hidden[s.technique] && certainEnough(s); });
  }

  // a span counts when its confidence is shown and, with "only the author's voice", it is not quoted
  function certainEnough(s) {
    return (showUncertain || s.confidence >= (data.min_confidence || 0)) && !(authorOnly && s.voice === "quoted");
  }

  function distinct(list) {
    var seen = {};
    return list.filter(function (x) { if (seen[x]) { return false; } seen[x] = true; return true; });
  }

  function closeDetails() {
    if (selected) { selected.classList.remove("sel"); }
    selected = null;
    details.classList.remove("open");
    while (details.firstChild) { details.removeChild(details.firstChild); }
    placeholder.forEach(function (n) { details.appendChild(n.cloneNode(true)); });
  }

  function show(mark) {
    var spans = visibleSpans(mark);
    if (spans.length === 0) { closeDetails(); return; }
    if (selected) { selected.classList.remove("sel"); }
    selected = mark;
    mark.classList.add("sel");
    while (details.firstChild) { details.removeChild(details.firstChild); }
    var head = el("div", "head");
    head.appendChild(el("h2", null, spans.length > 1 ? spans.length + " techniques here" : "Details"));
    var close = el("button", "close", "Close");
    close.type = "button";
    close.addEventListener("click", function () { closeDetails(); mark.focus(); });
    head.appendChild(close);
    details.appendChild(head);
    spans.forEach(function (s) {
      var t = data.techniques[s.technique];
      var item = el("div", "item");
      item.style.setProperty("--c", t.color);
      item.appendChild(el("strong", null, t.title));
      item.appendChild(el("span", "conf", " · model confidence " + Math.round(s.confidence * 100) + "%"));
      item.appendChild(el("p", null, t.definition));
      var q = el("p"); q.appendChild(el("q", null, s.text)); item.appendChild(q);
      if (s.voice === "quoted") {
        item.appendChild(el("p", "voice", s.speaker ? "Quoted from " + s.speaker + ": the article reports it"
                                                    : "Quoted (speaker not named): the article reports it"));
      }
      item.appendChild(el("p", "ex", "Example: " + t.example));
      details.appendChild(item);
    });
    details.classList.add("open");
    if (window.matchMedia("(max-width: 800px)").matches) {  // a bottom sheet: keep the passage above it
      var top = mark.getBoundingClientRect().top;
      var sheet = details.getBoundingClientRect().top;
      if (top > sheet - 40 || top < 64) { window.scrollBy(0, top - Math.max(64, (sheet - 40) / 3)); }  // below the switches bar
    }
  }

  function paint(mark) {
    var spans = visibleSpans(mark);
    if (spans.length === 0) {
      mark.classList.add("off");
      mark.removeAttribute("tabindex");
      mark.removeAttribute("data-abbr");
      return;
    }
    var names = distinct(spans.map(function (s) { return s.technique; }));
    var top = data.techniques[names[0]];
    mark.classList.remove("off");
    mark.setAttribute("tabindex", "0");
    mark.style.setProperty("--c", top.color);
    mark.style.setProperty("--t", top.tint);
    mark.style.setProperty("--u", top.underline);
    mark.classList.toggle("multi", names.length > 1);
    if (names.length > 1) { mark.style.setProperty("--c2", data.techniques[names[1]].color); }
    var start = Number(mark.getAttribute("data-start"));
    var starting = distinct(spans.filter(function (s) { return s.start === start; })
      .map(function (s) { return data.techniques[s.technique].abbr; }));
    if (starting.length) { mark.setAttribute("data-abbr", starting.join("+")); } else { mark.removeAttribute("data-abbr"); }
  }

  function refresh() {
    marks.forEach(paint);
    var shown = 0;
    document.querySelectorAll(".passages li[data-tech]").forEach(function (li) {
      var span = data.spans[Number(li.getAttribute("data-span"))];
      li.hidden = !!hidden[li.getAttribute("data-tech")] || !certainEnough(span);
      if (!li.hidden) { shown += 1; }
    });
    var counts = {};
    data.spans.forEach(function (s) { if (certainEnough(s)) { counts[s.technique] = (counts[s.technique] || 0) + 1; } });
    document.querySelectorAll(".ps-legend li[data-tech]").forEach(function (li) {  // no passage shown: not listed
      var n = counts[li.getAttribute("data-tech")] || 0;
      li.querySelector("b[data-count]").textContent = String(n);
      li.hidden = n === 0;
    });
    var most = Math.max.apply(null, Object.keys(counts).map(function (k) { return counts[k]; }).concat([1]));
    document.querySelectorAll(".ps-chart .bar[data-tech]").forEach(function (bar) {
      var n = counts[bar.getAttribute("data-tech")] || 0;
      bar.hidden = !!hidden[bar.getAttribute("data-tech")] || n === 0;
      bar.querySelector(".n").textContent = String(n);
      bar.querySelector(".fill").style.width = (100 * n / most).toFixed(1) + "%";
    });
    var more = document.querySelector(".ps-more");  // "(N less certain hidden)"
    if (more) { more.hidden = showUncertain; }
    var count = document.getElementById("ps-count");
    if (count) { count.textContent = String(shown); }
    if (selected) { show(selected); }
  }

  function flash(index) {
    var first = null;
    marks.forEach(function (m) {
      if (m.getAttribute("data-spans").split(" ").indexOf(String(index)) >= 0) {
        if (!first) { first = m; }
        m.classList.remove("flash");
        void m.offsetWidth;  // restart the animation
        m.classList.add("flash");
      }
    });
    if (first) { first.scrollIntoView({ block: "center", behavior: "smooth" }); show(first); }
  }

  if (uncertainBox) {
    uncertainBox.addEventListener("change", function () { showUncertain = uncertainBox.checked; refresh(); });
  }
  if (authorBox) {
    authorBox.addEventListener("change", function () {
      authorOnly = authorBox.checked;
      document.getElementById("ps-article").classList.toggle("author-only", authorOnly);
      refresh();
    });
  }
  document.querySelectorAll("input.ps-toggle").forEach(function (box) {
    box.addEventListener("change", function () {
      hidden[box.value] = !box.checked;
      refresh();
    });
  });
  marks.forEach(function (m) {
    m.addEventListener("click", function () { if (!m.classList.contains("off")) { show(m); } });
    m.addEventListener("keydown", function (ev) {
      if ((ev.key === "Enter" || ev.key === " ") && !m.classList.contains("off")) { ev.preventDefault(); show(m); }
    });
  });
  document.querySelectorAll("a.jump[data-span]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      flash(Number(a.getAttribute("data-span")));
    });
  });
  document.querySelectorAll("a.jump-claim[data-claim]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      var claim = document.getElementById("ps-c" + a.getAttribute("data-claim"));
      if (!claim) { return; }
      ev.preventDefault();
      claim.classList.remove("flash");
      void claim.offsetWidth;  // restart the animation
      claim.classList.add("flash");
      claim.scrollIntoView({ block: "center", behavior: "smooth" });
    });
  });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { closeDetails(); } });

  // The switches fold into a bar above the article on a phone, and stay open in the wide layout
  // (where their summary line is not shown, so a folded panel could not be opened again).
  var controls = document.getElementById("ps-controls");
  var narrow = window.matchMedia("(max-width: 800px)");
  if (controls) {
    controls.open = !narrow.matches;
    narrow.addEventListener("change", function () { if (!narrow.matches) { controls.open = true; } });
  }
})();
