// propscan report behaviour: show span details, toggle techniques. Reads data only from
// the JSON blob and sets text with textContent, never innerHTML, so article text stays inert.
(function () {
  "use strict";
  var blob = document.getElementById("ps-data");
  if (!blob) { return; }
  var data = JSON.parse(blob.textContent);
  var hidden = {};
  var details = document.getElementById("ps-details");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function show(mark) {
    document.querySelectorAll("mark.ps.sel").forEach(function (m) { m.classList.remove("sel"); });
    mark.classList.add("sel");
    while (details.firstChild) { details.removeChild(details.firstChild); }
    details.appendChild(el("h2", null, "Details"));
    mark.getAttribute("data-spans").split(" ").forEach(function (idx) {
      var s = data.spans[Number(idx)];
      if (!s || hidden[s.technique]) { return; }
      var t = data.techniques[s.technique];
      var item = el("div", "item");
      item.style.setProperty("--c", t.color);
      item.appendChild(el("strong", null, t.title));
      item.appendChild(el("span", null, " · confidence " + Math.round(s.confidence * 100) + "%"));
      item.appendChild(el("p", null, t.definition));
      var q = el("p"); q.appendChild(el("q", null, s.text)); item.appendChild(q);
      item.appendChild(el("p", "ex", "Example: " + t.example));
      details.appendChild(item);
    });
  }

  function refresh() {
    document.querySelectorAll("mark.ps").forEach(function (m) {
      var visible = m.getAttribute("data-spans").split(" ").map(function (i) { return data.spans[Number(i)]; })
        .filter(function (s) { return s && !hidden[s.technique]; });
      if (visible.length === 0) {
        m.classList.add("off");
        m.removeAttribute("tabindex");
      } else {
        m.classList.remove("off");
        m.setAttribute("tabindex", "0");
        m.style.setProperty("--c", data.techniques[visible[0].technique].color);
      }
    });
  }

  document.querySelectorAll("input.ps-toggle").forEach(function (box) {
    box.addEventListener("change", function () {
      hidden[box.value] = !box.checked;
      refresh();
    });
  });
  document.querySelectorAll("mark.ps").forEach(function (m) {
    m.addEventListener("click", function () { if (!m.classList.contains("off")) { show(m); } });
    m.addEventListener("keydown", function (ev) {
      if ((ev.key === "Enter" || ev.key === " ") && !m.classList.contains("off")) { ev.preventDefault(); show(m); }
    });
  });
})();
