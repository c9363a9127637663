// The console's small behaviours (issue 9 items 1, 2, 6), no framework: relative times kept
// current, a live countdown to each running deadline, select-all and the bulk form's fields,
// keyboard shortcuts in lists and on an order, and the ? overlay that lists them.
(function () {
  "use strict";
  var zh = document.documentElement.lang.indexOf("zh") === 0;

  // --- times ------------------------------------------------------------------------------
  function ago(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var units = zh
      ? [[86400, " 天前"], [3600, " 小时前"], [60, " 分钟前"]]
      : [[86400, " day"], [3600, " hour"], [60, " minute"]];
    for (var i = 0; i < units.length; i++) {
      var n = Math.floor(s / units[i][0]);
      if (n) return zh ? n + units[i][1] : n + units[i][1] + (n > 1 ? "s" : "") + " ago";
    }
    return zh ? "刚刚" : "just now";
  }
  function left(ms) {
    var late = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), sec = s % 60;
    var pad = function (x) { return (x < 10 ? "0" : "") + x; };
    var clock = (d ? d + (zh ? "天 " : "d ") : "") + pad(h) + ":" + pad(m) + ":" + pad(sec);
    return late ? (zh ? "已超 " : "over by ") + clock : (zh ? "距截止 " : "due in ") + clock;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.ago[datetime]").forEach(function (el) {
      el.textContent = ago(now - Date.parse(el.getAttribute("datetime")));
    });
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var ms = Date.parse(el.dataset.due) - now;
      el.textContent = left(ms);
      el.classList.toggle("late", ms < 0);
    });
  }
  tick();
  setInterval(tick, 1000);

  // --- selection and the bulk form ---------------------------------------------------------
  var all = document.getElementById("select-all");
  var boxes = function () { return document.querySelectorAll("input[name=numbers][form=bulk-form]"); };
  function picked() {
    var n = Array.prototype.filter.call(boxes(), function (b) { return b.checked; }).length;
    var out = document.getElementById("bulk-picked");
    if (out) out.textContent = zh ? "已选 " + n + " 单" : n + " selected";
  }
  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
      picked();
    });
    document.addEventListener("change", function (e) {
      if (e.target.name === "numbers") picked();
    });
    picked();
  }
  var verb = document.getElementById("bulk-action");
  function fit() {
    document.querySelectorAll("#bulk-form [data-for]").forEach(function (el) {
      el.hidden = el.dataset.for.split(" ").indexOf(verb.value) < 0;
    });
  }
  if (verb) { verb.addEventListener("change", fit); fit(); }

  // --- keyboard shortcuts -------------------------------------------------------------------
  var rows = function () { return document.querySelectorAll("table[data-keys=list] tbody tr"); };
  var at = -1;
  function move(step) {
    var list = rows();
    if (!list.length) return;
    if (at >= 0 && list[at]) list[at].classList.remove("current");
    at = Math.min(list.length - 1, Math.max(0, at + step));
    list[at].classList.add("current");
    list[at].scrollIntoView({ block: "nearest" });
  }
  var KEYS = [
    ["j / k", "下一行 / 上一行", "next / previous row"],
    ["Enter", "打开当前工单", "open the current order"],
    ["x", "勾选当前行（批量操作）", "tick the current row (bulk)"],
    ["/", "搜索", "search"],
    ["e", "修改工单（工单页）", "edit the order (order page)"],
    ["n", "写备注（工单页）", "write a note (order page)"],
    ["u", "返回工单列表", "back to the order list"],
    ["?", "显示 / 关闭本帮助", "show / hide this help"]
  ];
  function help() {
    var box = document.getElementById("keys-help");
    if (box) { box.remove(); return; }
    box = document.createElement("div");
    box.id = "keys-help";
    box.className = "overlay";
    box.setAttribute("role", "dialog");
    var h = document.createElement("h2");
    h.textContent = zh ? "快捷键" : "Keyboard shortcuts";
    box.appendChild(h);
    var dl = document.createElement("dl");
    KEYS.forEach(function (k) {
      var dt = document.createElement("dt"), kbd = document.createElement("kbd");
      kbd.textContent = k[0];
      dt.appendChild(kbd);
      var dd = document.createElement("dd");
      dd.textContent = zh ? k[1] : k[2];
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    box.appendChild(dl);
    box.addEventListener("click", function () { box.remove(); });
    document.body.appendChild(box);
  }
  document.querySelectorAll("[data-help]").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); help(); });
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target, tag = t && t.tagName;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) {
      if (e.key === "Escape") t.blur();
      return;
    }
    var list = rows(), row = at >= 0 ? list[at] : null;
    if (e.key === "j") move(1);
    else if (e.key === "k") move(-1);
    else if (e.key === "Enter" && row) {
      var link = row.querySelector("a.open-order");
      if (link) window.location.href = link.href;
    } else if (e.key === "x" && row) {
      var box = row.querySelector("input[name=numbers]");
      if (box) { box.checked = !box.checked; picked(); }
    } else if (e.key === "/") {
      var q = document.getElementById("f-q");
      if (q) { e.preventDefault(); q.focus(); }
    } else if (e.key === "e") {
      var edit = document.getElementById("edit-order");
      if (edit) { edit.open = true; document.getElementById("edit-subject").focus(); e.preventDefault(); }
    } else if (e.key === "n") {
      var note = document.querySelector("#note-form textarea");
      if (note) { e.preventDefault(); note.focus(); }
    } else if (e.key === "u") {
      window.location.href = "/console/orders?open_only=1";
    } else if (e.key === "?") help();
    else if (e.key === "Escape") {
      var open = document.getElementById("keys-help");
      if (open) open.remove();
    } else return;
  });
})();
