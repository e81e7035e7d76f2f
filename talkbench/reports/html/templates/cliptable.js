// Per-clip table: the data file is loaded after the page is drawn and only one page of rows
// is in the DOM at a time, so thousands of clips × runs open at once.
(function () {
  var PAGE = 100;
  var state = { metric: 0, col: "worst", asc: null, page: 0, filter: "", all: false };
  var D, rows;

  function fmt(v, m) { return v === null || v === undefined ? "N/A" : v.toFixed(D.metrics[m].dec); }
  function val(clip, r, m) { var x = clip.v[r * D.metrics.length + m]; return x === undefined ? null : x; }
  // "worst": the mean over the non-GT runs that scored the clip, in the metric's bad direction
  function worst(clip, m) {
    var s = 0, n = 0;
    D.runs.forEach(function (run, r) {
      if (run.kind === "gt") return;
      var x = val(clip, r, m);
      if (x !== null) { s += x; n += 1; }
    });
    return n ? s / n : null;
  }
  function key(clip) {
    var m = state.metric;
    if (state.col === "clip") return clip.c;
    if (state.col === "dataset") return clip.d + "/" + clip.c;
    if (state.col === "worst") return worst(clip, m);
    var rm = String(state.col).split(":");  // "run:metric"
    return val(clip, +rm[0], +rm[1]);
  }
  // the sorted column's metric direction: worst first by default
  function colHib() {
    var rm = String(state.col).split(":");
    return rm.length === 2 ? D.metrics[+rm[1]].hib : D.metrics[state.metric].hib;
  }
  function sort() {
    var hib = colHib();
    // worst first by default: lowest first for ↑ metrics, highest first for ↓ ones
    var asc = state.asc === null ? hib : state.asc;
    var f = state.filter.toLowerCase();
    rows = D.clips.filter(function (c) { return !f || c.c.toLowerCase().indexOf(f) >= 0; });
    var keyed = rows.map(function (c) { return [key(c), c]; });
    keyed.sort(function (a, b) {
      var x = a[0], y = b[0];
      if (x === null && y === null) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
    });
    rows = keyed.map(function (k) { return k[1]; });
  }
  function th(text, col, cls) {
    var h = document.createElement("th");
    h.textContent = text;
    h.className = "sortable" + (cls ? " " + cls : "");
    h.setAttribute("data-col", col);
    if (String(state.col) === String(col)) {
      var asc = state.asc === null ? colHib() : state.asc;
      h.classList.add(asc ? "sorted-asc" : "sorted-desc");
    }
    h.addEventListener("click", function () {
      if (String(state.col) === String(col)) {
        var cur = state.asc === null ? colHib() : state.asc;
        state.asc = !cur;
      } else { state.col = col; state.asc = (col === "clip" || col === "dataset") ? true : null; }
      state.page = 0; sort(); draw();
    });
    return h;
  }
  function draw() {
    var m = state.metric, M = D.metrics[m];
    var table = document.getElementById("clips");
    table.innerHTML = "";
    var head = table.createTHead().insertRow();
    head.appendChild(th("Clip", "clip"));
    head.appendChild(th("Dataset", "dataset"));
    head.appendChild(th("Mean of models " + M.label + (M.hib ? " ↑" : " ↓"), "worst"));
    var shown = state.all ? D.metrics.map(function (_, i) { return i; }) : [m];
    shown.forEach(function (mi) {
      D.runs.forEach(function (run, r) { head.appendChild(th(run.label + " " + D.metrics[mi].label, r + ":" + mi)); });
    });
    var body = table.createTBody();
    var start = state.page * PAGE, end = Math.min(rows.length, start + PAGE);
    for (var i = start; i < end; i++) {
      var clip = rows[i], tr = body.insertRow();
      var a = document.createElement("a");
      a.href = "clip.html#" + encodeURIComponent(clip.d) + "/" + encodeURIComponent(clip.c);
      a.textContent = clip.c;
      tr.insertCell().appendChild(a);
      tr.insertCell().textContent = clip.d;
      var w = tr.insertCell(); w.className = "num"; w.textContent = fmt(worst(clip, m), m);
      shown.forEach(function (mi) {
        D.runs.forEach(function (run, r) {
          var td = tr.insertCell(); td.className = "num";
          if (run.dataset !== clip.d) { td.textContent = ""; return; }
          var x = val(clip, r, mi);
          td.textContent = fmt(x, mi);
          if (x === null) { td.className += " na"; if (clip.f && clip.f[r]) td.title = clip.f[r]; }
        });
      });
    }
    document.getElementById("pageinfo").textContent = rows.length
      ? "clips " + (start + 1) + "–" + end + " of " + rows.length : "no clips";
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = end >= rows.length;
    if (!document.body.hasAttribute("data-ready")) {  // first draw: how long the page took to open
      document.body.setAttribute("data-ready-ms", performance.now().toFixed(0));
    }
    document.body.setAttribute("data-ready", "1");
  }
  function init() {
    D = window.TB_DATA;
    var sel = document.getElementById("metric");
    D.metrics.forEach(function (M, i) {
      var o = document.createElement("option"); o.value = i; o.textContent = M.label; sel.appendChild(o);
    });
    sel.addEventListener("change", function () {
      state.metric = +sel.value; state.page = 0; state.asc = null; state.col = "worst"; sort(); draw();
    });
    document.getElementById("all").addEventListener("change", function (e) { state.all = e.target.checked; draw(); });
    document.getElementById("filter").addEventListener("input", function (e) { state.filter = e.target.value; state.page = 0; sort(); draw(); });
    document.getElementById("prev").addEventListener("click", function () { state.page -= 1; draw(); });
    document.getElementById("next").addEventListener("click", function () { state.page += 1; draw(); });
    sort(); draw();
  }
  window.addEventListener("DOMContentLoaded", function () {
    var s = document.createElement("script");
    s.src = "data/clips.js";
    s.onload = init;
    s.onerror = function () { document.getElementById("pageinfo").textContent = "data/clips.js could not be loaded"; };
    document.body.appendChild(s);
  });
})();
