// Side-by-side view: GT and every model's video of one clip; one play/pause/seek control drives
// all players, and seeking any one player seeks the others.
(function () {
  var vids = [];
  var EPS = 0.001;

  function seekOthers(t, from) {
    vids.forEach(function (v) {
      if (v === from || Math.abs(v.currentTime - t) < EPS) return;
      v._tbTarget = t;  // our own seek: its 'seeking' event must not echo back
      v.currentTime = t;
    });
  }
  function onSeeking(e) {
    var v = e.target;
    if (v._tbTarget !== undefined && Math.abs(v.currentTime - v._tbTarget) < EPS) { v._tbTarget = undefined; return; }
    v._tbTarget = undefined;
    seekOthers(v.currentTime, v);
    updateSlider();
  }
  function master() { return vids[0]; }
  function updateSlider() {
    var m = master(); if (!m) return;
    var s = document.getElementById("seek");
    if (m.duration) s.max = m.duration;
    s.value = m.currentTime;
    document.getElementById("time").textContent = m.currentTime.toFixed(2) + " / " + (m.duration || 0).toFixed(2) + " s";
  }
  function player(D, run, r, clip) {
    var box = document.createElement("div");
    box.className = "player " + run.kind;
    var h = document.createElement("h3");
    var a = document.createElement("a"); a.href = run.href; a.textContent = run.label; h.appendChild(a);
    box.appendChild(h);
    if (clip.m.indexOf(r) >= 0) {
      var v = document.createElement("video");
      v.preload = "auto"; v.muted = true; v.playsInline = true;
      v.src = run.video + encodeURIComponent(clip.c) + ".mp4";
      v.setAttribute("data-run", run.id);
      v.setAttribute("data-label", run.label);
      v.addEventListener("seeking", onSeeking);
      v.addEventListener("error", function () {
        var msg = document.createElement("div"); msg.className = "fail";
        msg.textContent = "video did not load: " + v.src; box.appendChild(msg);
      });
      vids.push(v); box.appendChild(v);
    } else {
      var n = document.createElement("div"); n.className = "novideo";
      n.textContent = clip.f && clip.f[r] ? "failed: " + clip.f[r] : "no video kept for this run";
      box.appendChild(n);
    }
    var t = document.createElement("table");
    D.metrics.forEach(function (M, m) {
      var x = clip.v[r * D.metrics.length + m];
      var tr = t.insertRow();
      tr.insertCell().textContent = M.label + (M.hib ? " ↑" : " ↓");
      var td = tr.insertCell(); td.className = "num";
      td.textContent = x === null || x === undefined ? "N/A" : x.toFixed(M.dec);
    });
    box.appendChild(t);
    return box;
  }
  function init() {
    var D = window.TB_DATA;
    var want = decodeURIComponent(location.hash.slice(1));
    var clip = D.clips.filter(function (c) { return c.d + "/" + c.c === want; })[0] || D.clips[0];
    if (!clip) { document.getElementById("title").textContent = "no clips in this report"; return; }
    document.getElementById("title").textContent = clip.c + " (" + clip.d + ")";
    var box = document.getElementById("players");
    D.runs.forEach(function (run, r) { if (run.dataset === clip.d) box.appendChild(player(D, run, r, clip)); });
    var sound = document.getElementById("sound");
    vids.forEach(function (v, i) {
      var o = document.createElement("option"); o.value = i; o.textContent = v.getAttribute("data-label"); sound.appendChild(o);
    });
    sound.addEventListener("change", function () {
      vids.forEach(function (v, i) { v.muted = String(i) !== sound.value; });
    });
    document.getElementById("play").addEventListener("click", function () {
      var playing = master() && !master().paused;
      vids.forEach(function (v) { if (playing) v.pause(); else v.play().catch(function () {}); });
      this.textContent = playing ? "▶ play" : "❚❚ pause";
    });
    document.getElementById("seek").addEventListener("input", function () {
      var t = parseFloat(this.value);
      vids.forEach(function (v) { v._tbTarget = t; v.currentTime = t; });
      updateSlider();
    });
    if (master()) {
      master().addEventListener("timeupdate", function () {
        var t = master().currentTime;
        // keep the others within 0.1 s of the first player while playing
        vids.forEach(function (v) { if (v !== master() && !v.paused && Math.abs(v.currentTime - t) > 0.1) { v._tbTarget = t; v.currentTime = t; } });
        updateSlider();
      });
      master().addEventListener("loadedmetadata", updateSlider);
      master().addEventListener("ended", function () { vids.forEach(function (v) { v.pause(); }); document.getElementById("play").textContent = "▶ play"; });
    }
    if (clip.s) {
      var img = document.getElementById("strip"); img.src = clip.s; img.hidden = false;
      document.getElementById("stripnote").hidden = true;
    }
    document.body.setAttribute("data-ready", "1");
  }
  window.addEventListener("DOMContentLoaded", function () {
    var s = document.createElement("script");
    s.src = "data/clips.js"; s.onload = init;
    document.body.appendChild(s);
  });
  window.addEventListener("hashchange", function () { location.reload(); });
})();
