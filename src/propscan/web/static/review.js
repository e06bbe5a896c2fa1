// Review mode on the web result page (issue 30): accept, reject, relabel or re-extend each passage,
// add missed ones from a text selection, undo; keyboard first, and the details bottom sheet on a
// phone. Every change is saved at once through PUT /api/v1/analyses/{id}/review (never finished
// until the reviewer says so). Offsets sent and received are code points of the stored text; the
// article is rebuilt from that text with textContent (never innerHTML), so JS's UTF-16 indexes are
// converted at one place (cpToU / uToCp) and article text stays inert.
(function () {
  "use strict";
  var cfgBlob = document.getElementById("ps-review-data");
  var dataBlob = document.getElementById("ps-data");
  var startButton = document.getElementById("rv-start");
  if (!cfgBlob || !dataBlob || !startButton) { return; }
  var cfg = JSON.parse(cfgBlob.textContent);
  var data = JSON.parse(dataBlob.textContent);
  var text = cfg.text;
  var NAME_KEY = "propscan-reviewer";
  var KEY_KEY = "propscan-api-key";  // session only: the key is not kept past the tab
  var byKey = {};  // technique key letter -> technique name
  Object.keys(cfg.keys).forEach(function (t) { byKey[cfg.keys[t]] = t; });
  var order = Object.keys(data.techniques);

  // UTF-16 index <-> code point. A position inside a surrogate pair rounds up past the character.
  var cpToU = [0], uToCp = [];
  (function () {
    var cp = 0, u = 0;
    while (u < text.length) {
      var c = text.charCodeAt(u);
      var wide = c >= 0xD800 && c <= 0xDBFF && u + 1 < text.length && (text.charCodeAt(u + 1) & 0xFC00) === 0xDC00;
      uToCp[u] = cp;
      if (wide) { uToCp[u + 1] = cp + 1; }
      u += wide ? 2 : 1;
      cp += 1;
      cpToU.push(u);
    }
    uToCp[text.length] = cp;
  })();

  var $ = function (id) { return document.getElementById(id); };
  var setup = $("rv-setup"), bar = $("rv-bar"), details = $("ps-details"), help = $("rv-help");
  var original = $("ps-article");
  var reviewer = null, apiKey = null;
  var decisions = {};  // span key -> decision object as the API takes it
  var undoStack = [];
  var current = null;  // key of the passage in hand
  var includeUncertain = false;
  var finished = false;
  var pending = null;  // a selection to add: {start, end} in code points
  var article = null;
  var lastTechnique = order[0];
  var saving = false, saveAgain = false;

  function el(tag, cls, txt) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (txt !== undefined) { e.textContent = txt; }
    return e;
  }
  function button(label, onClick, id) {
    var b = el("button", null, label);
    b.type = "button";
    if (id) { b.id = id; }
    b.addEventListener("click", onClick);
    return b;
  }
  function keyOf(start, end, technique) { return start + ":" + end + ":" + technique; }
  function title(t) { return data.techniques[t].title; }

  var model = data.spans.map(function (s) {
    return { key: keyOf(s.start, s.end, s.technique), start: s.start, end: s.end, technique: s.technique,
             confidence: s.confidence, model: true };
  });
  var modelByKey = {};
  model.forEach(function (m) { modelByKey[m.key] = m; });

  // --- what the reviewer has decided ---------------------------------------------------------

  function counted(m) {  // a model passage in the progress count: shown at the reviewer's threshold, or decided
    return m.confidence >= (cfg.min_confidence || 0) || includeUncertain || !!decisions[m.key];
  }
  function items() {  // the passages to step through: counted model ones and added ones, by position
    var list = model.filter(counted).map(function (m) { return effective(m); });
    Object.keys(decisions).forEach(function (k) {
      var d = decisions[k];
      if (d.decision === "add") { list.push({ key: k, start: d.start, end: d.end, technique: d.technique, added: true }); }
    });
    return list.sort(function (a, b) { return a.start - b.start || a.end - b.end || (a.key < b.key ? -1 : 1); });
  }
  function effective(m) {  // a model passage as the reviewer left it
    var d = decisions[m.key];
    var out = { key: m.key, start: m.start, end: m.end, technique: m.technique, confidence: m.confidence,
                model: true, status: d ? d.decision : "open" };
    if (d && d.decision === "extend") { out.start = d.new_start; out.end = d.new_end; }
    if (d && d.new_technique) { out.technique = d.new_technique; }
    return out;
  }
  function status(item) { return item.added ? "add" : item.status; }

  function change(fn) {
    undoStack.push({ decisions: JSON.stringify(decisions), current: current });
    fn();
    finished = false;
    afterChange();
  }
  function afterChange() {
    $("rv-undo").disabled = undoStack.length === 0;
    $("rv-done").hidden = true;
    render();
    save(false).catch(function () {});  // shown in the bar; the next change tries again
  }
  function undo() {
    var last = undoStack.pop();
    if (!last) { return; }
    decisions = JSON.parse(last.decisions);
    current = last.current;
    finished = false;
    afterChange();
  }

  function set(m, decision, extra) {
    var d = { start: m.start, end: m.end, technique: m.technique, decision: decision };
    Object.keys(extra || {}).forEach(function (k) { if (extra[k] !== null && extra[k] !== undefined) { d[k] = extra[k]; } });
    decisions[m.key] = d;
  }
  function addSpan(start, end, technique) {  // a passage the model missed (or, where it did propose it, accepted)
    var key = keyOf(start, end, technique);
    if (modelByKey[key]) {
      set(modelByKey[key], "accept");
    } else {
      decisions[key] = { start: start, end: end, technique: technique, decision: "add" };
    }
    current = key;
    lastTechnique = technique;
  }
  // The model's passage `m` (or an added one) with extent start-end and technique t, as the API says it.
  function reshape(item, start, end, t) {
    if (item.added) {
      delete decisions[item.key];
      addSpan(start, end, t);
      return;
    }
    var m = modelByKey[item.key];
    var newTech = t === m.technique ? null : t;
    if (start === m.start && end === m.end) {
      if (newTech) { set(m, "relabel", { new_technique: newTech }); } else { set(m, "accept"); }
    } else {
      set(m, "extend", { new_start: start, new_end: end, new_technique: newTech });
    }
    current = m.key;
  }

  function currentItem() {
    var list = items();
    for (var i = 0; i < list.length; i++) { if (list[i].key === current) { return { list: list, i: i }; } }
    return { list: list, i: -1 };
  }
  function step(delta) {
    var at = currentItem();
    if (!at.list.length) { return; }
    var i = at.i < 0 ? 0 : Math.min(Math.max(at.i + delta, 0), at.list.length - 1);
    current = at.list[i].key;
    pending = null;
    render(true);
  }
  function decide(decision) {
    var at = currentItem();
    if (at.i < 0) { return; }
    var item = at.list[at.i];
    var next = at.list[at.i + 1];
    change(function () {
      if (item.added) {
        if (decision === "reject") { delete decisions[item.key]; current = next ? next.key : null; }
        return;
      }
      set(modelByKey[item.key], decision);
      if (next) { current = next.key; }
    });
    scrollToCurrent();
  }
  function relabel(t) {
    var at = currentItem();
    if (at.i < 0) { return; }
    var item = at.list[at.i];
    if (item.technique === t && status(item) !== "open" && status(item) !== "reject") { return; }
    change(function () { reshape(item, item.start, item.end, t); lastTechnique = t; });
  }
  function reExtent(start, end) {
    var at = currentItem();
    if (at.i < 0 || !(start < end)) { return; }
    var item = at.list[at.i];
    if (start === item.start && end === item.end) { return; }
    change(function () { reshape(item, start, end, item.technique); });
  }

  // One word further or nearer, on the UTF-16 text, returned in code points.
  function isSpace(ch) { return /\s/.test(ch); }
  function wordLeft(u) { while (u > 0 && isSpace(text[u - 1])) { u--; } while (u > 0 && !isSpace(text[u - 1])) { u--; } return u; }
  function wordRight(u) { while (u < text.length && isSpace(text[u])) { u++; } while (u < text.length && !isSpace(text[u])) { u++; } return u; }
  function nudge(which) {
    var at = currentItem();
    if (at.i < 0) { return; }
    var item = at.list[at.i];
    var s = cpToU[item.start], e = cpToU[item.end];
    if (which === "start-earlier") { s = wordLeft(s); }
    if (which === "start-later") { s = wordRight(s); while (s < e && isSpace(text[s])) { s++; } }
    if (which === "end-later") { e = wordRight(e); }
    if (which === "end-earlier") { e = wordLeft(e); while (e > s && isSpace(text[e - 1])) { e--; } }
    if (s < e) { reExtent(uToCp[s], uToCp[e]); }
  }

  // --- the selection, as code points of the text -----------------------------------------------

  function selected() {
    var sel = window.getSelection();
    if (!article || !sel || sel.rangeCount === 0 || sel.isCollapsed) { return null; }
    var r = sel.getRangeAt(0);
    if (!article.contains(r.startContainer) || !article.contains(r.endContainer)) { return null; }
    var before = document.createRange();
    before.setStart(article, 0);
    before.setEnd(r.startContainer, r.startOffset);
    var s = before.toString().length;
    var e = s + r.toString().length;
    while (s < e && isSpace(text[s])) { s++; }
    while (e > s && isSpace(text[e - 1])) { e--; }
    if (s >= e) { return null; }
    return { start: uToCp[s], end: uToCp[e] };
  }
  function addPending(t) {
    var span = pending || selected();
    if (!span) { return false; }
    change(function () { addSpan(span.start, span.end, t); });
    pending = null;
    var sel = window.getSelection();
    if (sel) { sel.removeAllRanges(); }
    render();
    return true;
  }

  // --- drawing ---------------------------------------------------------------------------------

  var SYMBOL = { accept: "✓", extend: "✓", relabel: "✓", reject: "✗", add: "+", open: "" };
  function render(scroll) {
    var list = items();
    if (current === null || !list.some(function (x) { return x.key === current; })) {
      current = list.length ? list[0].key : null;
    }
    drawArticle(list);
    drawProgress(list);
    drawSheet(list);
    if (scroll) { scrollToCurrent(); }
  }
  function drawArticle(list) {
    var cuts = {}, bounds;
    cuts[0] = true; cuts[text.length] = true;
    list.forEach(function (x) { cuts[cpToU[x.start]] = true; cuts[cpToU[x.end]] = true; });
    bounds = Object.keys(cuts).map(Number).sort(function (a, b) { return a - b; });
    var frag = document.createDocumentFragment();
    for (var b = 0; b + 1 < bounds.length; b++) {
      var a = bounds[b], z = bounds[b + 1];
      var chunk = text.slice(a, z);
      var over = list.filter(function (x) { return cpToU[x.start] <= a && cpToU[x.end] >= z; });
      if (!over.length) { frag.appendChild(document.createTextNode(chunk)); continue; }
      var cur = over.filter(function (x) { return x.key === current; })[0];
      var live = over.filter(function (x) { return status(x) !== "reject"; });
      var top = cur || live[0] || over[0];
      var t = data.techniques[top.technique];
      var mark = el("mark", "ps rv rv-" + status(top) + (cur ? " rv-cur" : ""), chunk);
      mark.setAttribute("data-keys", over.map(function (x) { return x.key; }).join(" "));
      mark.style.setProperty("--c", t.color);
      mark.style.setProperty("--t", t.tint);
      mark.style.setProperty("--u", t.underline);
      var starting = over.filter(function (x) { return cpToU[x.start] === a; });
      if (starting.length) {
        mark.setAttribute("data-abbr", starting.map(function (x) {
          return SYMBOL[status(x)] + data.techniques[x.technique].abbr;
        }).join("+"));
      }
      if (cur) { mark.id = "rv-current"; }
      frag.appendChild(mark);
    }
    article.textContent = "";
    article.appendChild(frag);
  }
  function drawProgress(list) {
    var total = 0, done = 0, added = 0;
    list.forEach(function (x) {
      if (x.added) { added++; return; }
      total++;
      if (x.status !== "open") { done++; }
    });
    $("rv-progress").textContent = done + " of " + total + " decided" + (added ? " · " + added + " added" : "");
  }
  function describe(item) {
    var s = status(item);
    if (item.added) { return "added by you"; }
    var m = modelByKey[item.key];
    return { open: "not decided yet", accept: "accepted", reject: "rejected",
             relabel: "relabelled (the model said " + title(m.technique) + ")",
             extend: "extent changed" + (item.technique !== m.technique ? ", relabelled (the model said " + title(m.technique) + ")" : "") }[s];
  }
  function techniqueSelect(id, value, onChange) {
    var sel = el("select");
    sel.id = id;
    order.forEach(function (t) {
      var o = el("option", null, title(t) + " (" + cfg.keys[t] + ")");
      o.value = t;
      if (t === value) { o.selected = true; }
      sel.appendChild(o);
    });
    sel.addEventListener("change", function () { onChange(sel.value); });
    return sel;
  }
  function drawSheet(list) {
    var at = currentItem();
    details.textContent = "";
    var head = el("div", "head");
    head.appendChild(el("h2", null, at.i < 0 ? "Review" : "Passage " + (at.i + 1) + " of " + list.length));
    head.appendChild(el("span", "rv-sheet-progress", $("rv-progress").textContent));
    details.appendChild(head);
    if (pending) {
      var add = el("div", "rv-adder");
      add.id = "rv-add";
      add.appendChild(el("p", null, "Add the selected text: "));
      var q2 = el("p"); q2.appendChild(el("q", null, text.slice(cpToU[pending.start], cpToU[pending.end]))); add.appendChild(q2);
      var sel = techniqueSelect("rv-add-technique", lastTechnique, function (t) { lastTechnique = t; });
      add.appendChild(sel);
      add.appendChild(button("Add passage", function () { addPending(sel.value); }, "rv-add-button"));
      if (at.i >= 0) {
        add.appendChild(button("Use as this passage's extent (e)", function () { useSelectionAsExtent(); }, "rv-use-extent"));
      }
      add.appendChild(button("Cancel", function () { pending = null; render(); }));
      details.appendChild(add);  // first, so a phone's sheet shows it without scrolling
    }
    if (at.i >= 0) {
      var item = at.list[at.i];
      var box = el("div", "item rv-item");
      box.style.setProperty("--c", data.techniques[item.technique].color);
      box.appendChild(el("strong", null, title(item.technique)));
      if (item.model) { box.appendChild(el("span", "conf", " · model confidence " + Math.round(item.confidence * 100) + "%")); }
      box.appendChild(el("p", "rv-state rv-state-" + status(item), describe(item)));
      var q = el("p"); q.appendChild(el("q", null, text.slice(cpToU[item.start], cpToU[item.end]))); box.appendChild(q);
      details.appendChild(box);
      var acts = el("p", "rv-actions");
      acts.appendChild(button("✓ Accept (a)", function () { decide("accept"); }, "rv-accept"));
      acts.appendChild(button("✗ Reject (x)", function () { decide("reject"); }, "rv-reject"));
      details.appendChild(acts);
      var tl = el("label", "rv-tech", "Technique ");
      tl.appendChild(techniqueSelect("rv-technique", item.technique, relabel));
      details.appendChild(tl);
      var ext = el("p", "rv-extent");
      ext.appendChild(el("span", null, "Extent: "));
      ext.appendChild(button("⟵ start", function () { nudge("start-earlier"); }, "rv-start-earlier"));
      ext.appendChild(button("start ⟶", function () { nudge("start-later"); }, "rv-start-later"));
      ext.appendChild(button("⟵ end", function () { nudge("end-earlier"); }, "rv-end-earlier"));
      ext.appendChild(button("end ⟶", function () { nudge("end-later"); }, "rv-end-later"));
      details.appendChild(ext);
    } else {
      details.appendChild(el("p", null, "No passage to review here. Select text in the article to add one."));
    }
    var nav = el("p", "rv-nav");
    nav.appendChild(button("◀ Previous (k)", function () { step(-1); }, "rv-prev"));
    nav.appendChild(button("Next (j) ▶", function () { step(1); }, "rv-next"));
    var u = button("Undo (u)", undo, "rv-sheet-undo");
    u.disabled = undoStack.length === 0;
    nav.appendChild(u);
    details.appendChild(nav);
    details.classList.add("open");
  }
  function useSelectionAsExtent() {
    var span = pending || selected();
    if (!span) { return; }
    pending = null;
    reExtent(span.start, span.end);
  }
  function scrollToCurrent() {
    var m = $("rv-current");
    if (!m) { return; }
    var r = m.getBoundingClientRect();
    var sheetTop = details.classList.contains("open") && window.matchMedia("(max-width: 800px)").matches
      ? details.getBoundingClientRect().top : window.innerHeight;
    if (r.top < 60 || r.bottom > sheetTop - 20) { window.scrollBy(0, r.top - Math.max(60, (sheetTop - 20) / 3)); }
  }

  // --- saving -----------------------------------------------------------------------------------

  function body(finish) {
    return JSON.stringify({ reviewer: reviewer, finished: finish,
                            decisions: Object.keys(decisions).map(function (k) { return decisions[k]; }) });
  }
  function put(finish) {
    var headers = { "Content-Type": "application/json" };
    if (apiKey) { headers.Authorization = "Bearer " + apiKey; }
    return fetch("/api/v1/analyses/" + encodeURIComponent(cfg.id) + "/review",
                 { method: "PUT", headers: headers, body: body(finish) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) {
            var msg = (j.error && j.error.message) || ("the server answered " + r.status);
            var err = new Error(msg); err.status = r.status; throw err;
          }
          return j;
        });
      });
  }
  function showError(msg) { var e = $("rv-error"); e.textContent = msg ? "Not saved: " + msg : ""; e.hidden = !msg; }
  function save(finish) {
    if (saving) { saveAgain = true; return Promise.resolve(); }
    saving = true;
    $("rv-saved").textContent = "saving…";
    return put(finish).then(function () {
      showError("");
      $("rv-saved").textContent = "saved";
    }, function (err) {
      $("rv-saved").textContent = "";
      showError(err.message);
      if (err.status === 401) { askWho(true); }
      throw err;
    }).finally(function () {
      saving = false;
      if (saveAgain) { saveAgain = false; save(finished); }
    });
  }

  // --- finishing ------------------------------------------------------------------------------

  function askFinish() {
    var list = items();
    var open = list.filter(function (x) { return !x.added && x.status === "open"; }).length;
    var kept = list.filter(function (x) { return status(x) !== "open" && status(x) !== "reject"; }).length;
    $("rv-confirm-text").textContent = (open
      ? open + " of the " + list.filter(function (x) { return !x.added; }).length + " passages shown are undecided: " +
        "finishing counts them as rejected. "
      : "Every passage shown is decided. ") +
      "The reviewed annotation will hold the " + kept + " passage" + (kept === 1 ? "" : "s") + " accepted or added.";
    $("rv-confirm").hidden = false;
    $("rv-finish-yes").focus();
  }
  function finish() {
    $("rv-confirm").hidden = true;
    var list = items();
    var undecided = list.filter(function (x) { return !x.added && x.status === "open"; });
    if (undecided.length) {
      change(function () { undecided.forEach(function (x) { set(modelByKey[x.key], "reject"); }); });
    }
    finished = true;
    var kept = items().filter(function (x) { return status(x) !== "reject"; }).length;
    var send = function () {
      if (saving) { return new Promise(function (ok) { setTimeout(ok, 50); }).then(send); }
      return save(true);
    };
    send().then(function () {
      var done = $("rv-done");
      done.textContent = "Review finished and saved: the reviewed annotation holds " + kept + " passage" +
        (kept === 1 ? "" : "s") + ". Any further change reopens it.";
      done.hidden = false;
    }, function () { finished = false; });
  }

  // --- starting, and who is reviewing -----------------------------------------------------------

  function askWho(keyRefused) {
    setup.hidden = false;
    $("rv-name").value = reviewer || localStorage.getItem(NAME_KEY) || "";
    var err = $("rv-setup-error");
    err.hidden = !keyRefused;
    err.textContent = keyRefused ? "The server refused the API key; enter it again." : "";
    ($("rv-name").value && $("rv-key") ? $("rv-key") : $("rv-name")).focus();
  }
  function load() {
    return fetch("/api/v1/analyses/" + encodeURIComponent(cfg.id) + "/review?reviewer=" + encodeURIComponent(reviewer))
      .then(function (r) { if (!r.ok) { throw new Error("the server answered " + r.status); } return r.json(); })
      .then(function (j) {
        decisions = {};
        var mine = j.reviews[0];
        (mine ? mine.decisions : []).forEach(function (d) {
          var out = { start: d.start, end: d.end, technique: d.technique, decision: d.decision };
          ["new_start", "new_end", "new_technique"].forEach(function (k) { if (d[k] !== null && d[k] !== undefined) { out[k] = d[k]; } });
          decisions[keyOf(d.start, d.end, d.technique)] = out;
        });
        finished = !!(mine && mine.finished);
      });
  }
  function enter() {
    setup.hidden = true;
    $("rv-who").textContent = "Reviewing as " + reviewer;
    load().then(function () {
      document.body.classList.add("reviewing");
      bar.hidden = false;
      startButton.hidden = true;
      if (!article) {
        article = el("article", "ps-article rv-article");
        article.id = "rv-article";
        article.setAttribute("lang", original.getAttribute("lang") || "");
        article.setAttribute("aria-label", "The article in review");
        original.parentNode.insertBefore(article, original);
        original.hidden = true;
        article.addEventListener("click", onArticleClick);
      }
      undoStack = [];
      $("rv-undo").disabled = true;
      current = null;
      render(true);
      if (finished) {
        $("rv-done").textContent = "You finished this review earlier; any change reopens it.";
        $("rv-done").hidden = false;
      }
    }, function (err) { showError(err.message); bar.hidden = false; });
  }
  function onArticleClick(ev) {
    if (selected()) { return; }  // a selection was made, not a passage chosen
    var mark = ev.target.closest ? ev.target.closest("mark.rv") : null;
    if (!mark) { return; }
    var keys = mark.getAttribute("data-keys").split(" ");
    var i = keys.indexOf(current);
    current = keys[(i + 1) % keys.length];  // tapping again goes through overlapping passages
    pending = null;
    render();
  }

  startButton.hidden = false;
  startButton.addEventListener("click", function () {
    reviewer = localStorage.getItem(NAME_KEY);
    apiKey = cfg.needs_key ? sessionStorage.getItem(KEY_KEY) : null;
    if (!reviewer || (cfg.needs_key && !apiKey)) { askWho(false); } else { enter(); }
  });
  setup.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var name = $("rv-name").value.replace(/\s+/g, " ").trim();
    if (!name) { return; }
    var before = reviewer;
    reviewer = name;
    localStorage.setItem(NAME_KEY, name);
    if (cfg.needs_key) { apiKey = $("rv-key").value; sessionStorage.setItem(KEY_KEY, apiKey); }
    setup.hidden = true;
    if (bar.hidden) { enter(); return; }
    $("rv-who").textContent = "Reviewing as " + reviewer;
    if (name === before) {  // the key again: save what is on screen
      save(finished).catch(function () {});
      render(true);
    } else {  // another reviewer: their own decisions
      load().then(function () { undoStack = []; $("rv-undo").disabled = true; render(true); });
    }
  });
  $("rv-cancel").addEventListener("click", function () { setup.hidden = true; });
  $("rv-rename").addEventListener("click", function () { askWho(false); });
  $("rv-undo").addEventListener("click", undo);
  $("rv-help-open").addEventListener("click", function () { help.showModal(); });
  help.addEventListener("close", function () { if (article) { render(); } });  // Escape also closed the sheet
  $("rv-finish").addEventListener("click", askFinish);
  $("rv-finish-yes").addEventListener("click", finish);
  $("rv-finish-no").addEventListener("click", function () { $("rv-confirm").hidden = true; });
  $("rv-leave").addEventListener("click", function () { window.location.reload(); });
  $("rv-uncertain").addEventListener("change", function () { includeUncertain = $("rv-uncertain").checked; render(); });
  document.addEventListener("selectionchange", function () {
    if (!article) { return; }
    var span = selected();
    if (span && (!pending || span.start !== pending.start || span.end !== pending.end)) { pending = span; drawSheet(items()); }
  });

  document.addEventListener("keydown", function (ev) {
    if (!document.body.classList.contains("reviewing") || help.open) { return; }
    var tag = ev.target && ev.target.tagName;
    var typing = tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && ev.target.type !== "checkbox");
    if (typing || ((tag === "BUTTON" || tag === "INPUT") && (ev.key === "Enter" || ev.key === " "))) { return; }
    if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && ev.key.toLowerCase() === "z") { ev.preventDefault(); undo(); return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var k = ev.key;
    var handled = true;
    if (k === "Escape") { $("rv-confirm").hidden = true; pending = null; render(); }
    else if (k === "?") { help.showModal(); }
    else if (k === "j") { step(1); }
    else if (k === "k") { step(-1); }
    else if (k === "a") { decide("accept"); }
    else if (k === "x") { decide("reject"); }
    else if (k === "u") { undo(); }
    else if (k === "F") { askFinish(); }
    else if (k === "e") { useSelectionAsExtent(); }
    else if (k === "[") { nudge("start-earlier"); }
    else if (k === "{") { nudge("start-later"); }
    else if (k === "]") { nudge("end-later"); }
    else if (k === "}") { nudge("end-earlier"); }
    else if (byKey[k]) { if (!addPending(byKey[k])) { relabel(byKey[k]); } }
    else { handled = false; }
    if (handled) { ev.preventDefault(); }
  });
})();
