// seedbot's page behaviour: citation links, following new answers, the panel button, indexing and answering cues.
(function () {
  function chatBox() { return document.querySelector("#chat .bubble-wrap, #chat .panel-wrap"); }

  // A click on [n] brings its source card into view (opening an older turn's group) and flashes it.
  document.addEventListener("click", function (e) {
    var a = e.target && e.target.closest ? e.target.closest('a[href^="#src-"], a[href="#sources"]') : null;
    if (!a) return;
    e.preventDefault(); e.stopPropagation();
    var id = a.getAttribute("href").slice(1);
    var target = document.getElementById(id);
    if (!target) return;
    if (id === "sources") { target.scrollIntoView({behavior: "smooth", block: "start"}); return; }
    var card = target.closest(".card") || target;
    var group = card.closest("details"); if (group) group.open = true;
    card.scrollIntoView({behavior: "smooth", block: "nearest"});
    card.classList.remove("flash"); void card.offsetWidth; card.classList.add("flash");
  }, true);

  // Follow the newest exchange: when a question is sent the chat scrolls to it, and keeps the growing answer in
  // view until the person scrolls the chat themselves (Gradio stops following for good once they scrolled up).
  var following = false, users = 0;
  // The chat's sanitizer drops aria-label and title from links: name each [n] after its source card, whose
  // .cite-info carries the accessible name ("Source 1: file") and the cited sentence (shown on hover).
  function nameCitations() {
    document.querySelectorAll('#chat a.cite[href^="#src-"]').forEach(function (a) {
      var info = document.querySelector('.cite-info[data-for="' + a.getAttribute("href").slice(1) + '"]');
      if (!info) return;
      if (a.getAttribute("aria-label") !== info.dataset.label) a.setAttribute("aria-label", info.dataset.label);
      if (a.getAttribute("title") !== info.dataset.preview) a.setAttribute("title", info.dataset.preview);
    });
  }

  function followNewest() {
    var box = chatBox(); if (!box) return;
    var asked = box.querySelectorAll('[data-testid="user"]');
    if (asked.length > users) following = true;
    users = asked.length;
    if (!following || !asked.length) return;
    var last = asked[asked.length - 1].closest(".message-row") || asked[asked.length - 1];
    var top = last.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop - 8;
    box.scrollTop = Math.min(top, box.scrollHeight - box.clientHeight);
  }
  new MutationObserver(function () { window.requestAnimationFrame(function () { followNewest(); nameCitations(); }); })
    .observe(document.documentElement, {childList: true, subtree: true, characterData: true});
  ["wheel", "touchmove"].forEach(function (kind) {
    document.addEventListener(kind, function (e) { if (e.target.closest && e.target.closest("#chat")) following = false; }, {passive: true});
  });

  // The header button and the panel's close button drive Gradio's (hidden) sidebar toggle.
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("#panel-btn, #close-panel")) {
      var t = document.querySelector(".sidebar > .toggle-button"); if (t) t.click();
    }
  });

  // Picking files to upload shows at once that indexing is under way; answering shows Stop instead of Ask.
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches('#upload input[type="file"]') && e.target.files.length) document.body.classList.add("indexing");
  }, true);
  window.seedbot = {
    busy: function (kind, on) { document.body.classList.toggle(kind, on); },
  };
})();
