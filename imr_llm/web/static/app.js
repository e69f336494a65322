// imr-llm serve: a little progressive JavaScript. Every page works without it; with it, progress updates
// in place, evidence lights up both ways, photo pages can be reordered, and review runs from the keyboard.
"use strict";
(function () {
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // -- progress: poll a status URL; update the bar; reload (or go on) when finished -----------------
  function poll(box) {
    const url = box.dataset.poll;
    let last = null;
    const tick = () => {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => r.json())
        .then((s) => {
          if (box.dataset.doneUrl) {  // one letter
            const stage = $("#stage", box);
            if (stage && s.stage) stage.textContent = s.stage;
            const bar = $("#pages", box);
            if (bar && s.pages_total) { bar.max = s.pages_total; bar.value = s.pages_done; }
            const text = $("#pages-text", box);
            if (text && s.pages_total) text.textContent = s.pages_done + " of " + s.pages_total + " page(s) read";
            if (s.finished) { window.location.replace(box.dataset.doneUrl); return; }
          } else if (s.letters !== undefined && s.total !== undefined) {  // a batch
            const bar = $("#batch-progress");
            if (bar) { bar.max = s.letters; bar.value = s.finished; }
            const text = $("#batch-text");
            if (text) text.textContent = s.finished + " of " + s.letters + " letter(s) finished" + (s.failed ? ", " + s.failed + " failed." : ".");
            if (s.done || (last !== null && s.finished !== last && s.finished % 5 === 0)) { window.location.reload(); return; }
            last = s.finished;
          } else if (s.status !== undefined) {  // an eval
            if (s.status !== "running") { window.location.reload(); return; }
            const t = $("#eval-status");
            if (t) t.dataset.done = s.done;
          }
          setTimeout(tick, 400);
        })
        .catch(() => setTimeout(tick, 1500));
    };
    setTimeout(tick, 300);
  }
  $$("[data-poll]").forEach(poll);

  // -- evidence, both ways -----------------------------------------------------------------------------
  const text = $("#letter-text");
  function light(paths, scroll) {
    $$("a.ev.on", text).forEach((e) => e.classList.remove("on"));
    let first = null;
    $$("a.ev", text).forEach((e) => {
      const own = (e.dataset.paths || "").split(" ");
      if (paths.some((p) => own.includes(p))) { e.classList.add("on"); if (!first) first = e; }
    });
    if (first && scroll) first.scrollIntoView({ block: "center", behavior: "instant" });
    return first;
  }
  function rowOf(path) { return document.getElementById("f-" + path.replace(/[^A-Za-z0-9._-]/g, "-")); }
  if (text) {
    $$("a.show-ev").forEach((link) => link.addEventListener("click", (ev) => {
      ev.preventDefault();
      $$(".field.on").forEach((r) => r.classList.remove("on"));
      const row = rowOf(link.dataset.path);
      if (row) row.classList.add("on");
      light([link.dataset.path], true);
    }));
    text.addEventListener("click", (ev) => {
      const mark = ev.target.closest("a.ev");
      if (!mark) return;
      ev.preventDefault();
      const paths = (mark.dataset.paths || "").split(" ").filter(Boolean);
      $$(".field.on, .rfield.on").forEach((r) => r.classList.remove("on"));
      let first = null;
      paths.forEach((p) => {
        let row = rowOf(p);
        // a list element's row is its list's row in review ("diagnoses.0" -> "diagnoses")
        for (let cut = p; !row && cut.includes("."); ) { cut = cut.slice(0, cut.lastIndexOf(".")); row = rowOf(cut); }
        if (row) { row.classList.add("on"); if (!first) first = row; }
      });
      light([paths[0]], false);
      if (first) first.scrollIntoView({ block: "center", behavior: "instant" });
    });
  }

  // -- print the summary frame ---------------------------------------------------------------------
  $$("[data-print]").forEach((b) => {
    b.hidden = false;
    b.addEventListener("click", () => { const f = document.getElementById(b.dataset.print); if (f) f.contentWindow.print(); });
  });

  // -- upload: drop zone, and the order of photo pages --------------------------------------------------
  const input = $("#files");
  const order = $("#page-order");
  if (input && order && window.DataTransfer) {
    const drop = $("#drop");
    ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, () => drop.classList.remove("over")));
    drop.addEventListener("drop", (e) => { e.preventDefault(); input.files = e.dataTransfer.files; show(); });
    const pagesMode = () => ($('input[name="mode"]:checked') || {}).value === "pages";
    function setFiles(files) { const dt = new DataTransfer(); files.forEach((f) => dt.items.add(f)); input.files = dt.files; }
    function show() {
      const files = Array.from(input.files);
      order.innerHTML = "";
      order.hidden = !(pagesMode() && files.length > 1);
      files.forEach((f, i) => {
        const li = document.createElement("li");
        const name = document.createElement("span");
        name.textContent = "Page " + (i + 1) + ": " + f.name;  // text, never markup
        li.appendChild(name);
        [["Up", -1], ["Down", 1]].forEach(([label, step]) => {
          const b = document.createElement("button");
          b.type = "button"; b.textContent = label; b.setAttribute("aria-label", label + ": " + f.name);
          b.disabled = (step < 0 && i === 0) || (step > 0 && i === files.length - 1);
          b.addEventListener("click", () => {
            const list = Array.from(input.files); const j = i + step;
            [list[i], list[j]] = [list[j], list[i]]; setFiles(list); show();
            const again = $$("button", order)[j * 2 + (step < 0 ? 0 : 1)]; if (again && !again.disabled) again.focus();
          });
          li.appendChild(b);
        });
        order.appendChild(li);
      });
    }
    input.addEventListener("change", show);
    $$('input[name="mode"]').forEach((r) => r.addEventListener("change", show));
  }

  // -- batch filters apply on change --------------------------------------------------------------------
  const filters = $("#filters");
  if (filters) $$("select", filters).forEach((s) => s.addEventListener("change", () => filters.requestSubmit()));

  // -- review from the keyboard -------------------------------------------------------------------------
  const list = $("#rfields");
  if (!list) return;
  const rows = $$("li.rfield", list);
  const labels = { confirm: "confirmed", correct: "corrected", open: "to check" };
  function focusRow(row) {
    if (!row) return;
    rows.forEach((r) => r.classList.remove("current"));
    row.classList.add("current");
    row.focus({ preventScroll: false });
    $$(".rfield.on").forEach((r) => r.classList.remove("on"));
    const paths = (row.dataset.ev || "").split(" ").filter(Boolean);
    if (paths.length) light(paths, true); else $$("a.ev.on", text).forEach((e) => e.classList.remove("on"));
  }
  function send(row, action) {
    const form = $("form", row);
    const data = new URLSearchParams(new FormData(form));
    data.set("action", action);
    const msg = $(".msg", row);
    msg.textContent = "";
    return fetch(form.getAttribute("action"), {  // not form.action: the buttons are named "action"
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrf },
    }).then((r) => r.json()).then((res) => {
      if (!res.ok) { msg.textContent = res.error; return false; }
      row.classList.remove("state-open", "state-confirm", "state-correct");
      row.classList.add("state-" + res.state);
      $("[data-state]", row).textContent = labels[res.state] || res.state;
      const field = $("[name=value]", form);
      if (field && field.tagName !== "SELECT") field.value = res.value;
      const tbody = $("#audit tbody");
      if (tbody) {  // the log grows in place too (text only)
        const tr = document.createElement("tr");
        [new Date().toISOString().slice(0, 19), ($("#reviewer-name") || {}).value || "", res.path, res.state, "", res.value]
          .forEach((v) => { const td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
        tbody.appendChild(tr);
      }
      return true;
    }).catch(() => { msg.textContent = "Not saved (network error); try again."; return false; });
  }
  rows.forEach((row) => {
    $("form", row).addEventListener("submit", (ev) => {
      ev.preventDefault();
      const action = (ev.submitter && ev.submitter.value) || "correct";
      send(row, action).then((ok) => { if (ok) focusRow(rows[rows.indexOf(row) + 1] || row); });
    });
    row.addEventListener("focus", () => focusRow(row));
  });
  document.addEventListener("keydown", (ev) => {
    const inField = ev.target.closest && ev.target.closest("input, textarea, select");
    const row = ev.target.closest && ev.target.closest("li.rfield");
    if (inField && row) {
      const multi = ev.target.tagName === "TEXTAREA";
      if (ev.key === "Escape") { ev.preventDefault(); focusRow(row); }
      else if (ev.key === "Enter" && (!multi || ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        send(row, "correct").then((ok) => { if (ok) focusRow(rows[rows.indexOf(row) + 1] || row); });
      }
      return;
    }
    if (inField || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const current = row || $("li.rfield.current") || rows[0];
    const i = rows.indexOf(current);
    if (ev.key === "j" || ev.key === "ArrowDown") { ev.preventDefault(); focusRow(rows[Math.min(rows.length - 1, i + 1)]); }
    else if (ev.key === "k" || ev.key === "ArrowUp") { ev.preventDefault(); focusRow(rows[Math.max(0, i - 1)]); }
    else if (ev.key === "c" && row) { ev.preventDefault(); send(row, "confirm").then((ok) => { if (ok) focusRow(rows[i + 1] || row); }); }
    else if ((ev.key === "e" || ev.key === "Enter") && row) { ev.preventDefault(); const f = $("[name=value]", row); if (f) { f.focus(); if (f.select && f.tagName !== "SELECT") f.select(); } }
    else if (ev.key === "d") { const b = $("#done"); if (b) { ev.preventDefault(); b.click(); } }
    else if (ev.key === "n") { const a = $("#next-letter"); if (a) { ev.preventDefault(); a.click(); } }
  });
})();
