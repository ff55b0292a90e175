// seedbot's page behaviour: citation links, following new answers, the panel, copying answers as text, keeping the
// question when an answer is stopped or the server is gone, and the screen-reader and language fixes Gradio needs.
// window.seedbotStrings (the interface's words for this script, per language) is set just before this runs.
(function () {
  var words = window.seedbotStrings || {en: {}};
  var lang = "en";
  function say(key) { return (words[lang] || {})[key] || (words.en || {})[key] || ""; }
  function chatBox() { return document.querySelector("#chat .bubble-wrap, #chat .panel-wrap"); }
  function questionBox() { return document.querySelector("#question textarea"); }

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

  // Follow the newest exchange: when a question is sent the chat scrolls to it, and keeps the growing answer in
  // view until the person scrolls the chat themselves (Gradio stops following for good once they scrolled up).
  var following = false, users = 0;
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
  ["wheel", "touchmove"].forEach(function (kind) {
    document.addEventListener(kind, function (e) { if (e.target.closest && e.target.closest("#chat")) following = false; }, {passive: true});
  });

  // Screen readers: a message is named by its text, not its HTML; the examples are a group of buttons, not a list;
  // the closed side panel (off-screen) is out of the Tab order; Gradio's untranslated status key is not announced.
  function plainText(el) { return (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 300); }
  function fixAccessibility() {
    document.querySelectorAll('#chat [data-testid="bot"][aria-label], #chat [data-testid="user"][aria-label]').forEach(function (m) {
      var label = plainText(m);
      if (label && m.getAttribute("aria-label") !== label) m.setAttribute("aria-label", label);
    });
    document.querySelectorAll('#chat .examples[role="list"]').forEach(function (l) { l.setAttribute("role", "group"); });
    document.querySelectorAll('#chat .examples[role="group"]').forEach(function (l) {
      if (l.getAttribute("aria-label") !== say("examples")) l.setAttribute("aria-label", say("examples"));
    });
    var side = document.querySelector(".sidebar"), content = side && side.querySelector(".sidebar-content");
    if (content) { var closed = !side.classList.contains("open"); if (content.inert !== closed) content.inert = closed; }
    document.querySelectorAll('.sr-only[role="status"]').forEach(function (s) {
      if (/^common\./.test(s.textContent.trim())) s.textContent = say("done");
    });
    // scrollable boxes are reachable by keyboard
    document.querySelectorAll("#sources, #index-info, #sources .prose, #index-info .prose").forEach(function (el) {
      if (!el.hasAttribute("tabindex") && el.scrollHeight > el.clientHeight) el.setAttribute("tabindex", "0");
    });
  }

  // Gradio's own words that our language switch cannot reach (they follow the browser's language only).
  function translateGradio() {
    var text = document.querySelector('#upload [data-testid="upload-text"]');
    if (text) {
      var icon = text.querySelector('[data-testid="upload-icon"]');
      var want = say("drop_files") + " · " + say("or") + " · " + say("click_to_upload");
      if (text.dataset.text !== want) {
        Array.from(text.childNodes).forEach(function (n) { if (n !== icon) n.remove(); });
        var span = document.createElement("span"); span.className = "drop-text"; span.textContent = want;
        text.appendChild(span); text.dataset.text = want;
      }
    }
    document.querySelectorAll("footer .show-api").forEach(function (b) {
      var node = Array.from(b.childNodes).find(function (n) { return n.nodeType === 3 && n.textContent.trim(); });
      if (node && node.textContent !== say("use_api")) node.textContent = say("use_api");
    });
  }

  // The feedback comment box, when it opens, comes into view with the focus in it.
  var commentShown = false;
  function revealComment() {
    var row = document.getElementById("feedback-row");
    var shown = !!(row && row.offsetParent !== null && row.getBoundingClientRect().height > 0);
    if (shown && !commentShown) {
      var box = row.querySelector("textarea"); if (box) box.focus({preventScroll: true});
      [0, 200, 600].forEach(function (ms) { setTimeout(function () { row.scrollIntoView({block: "nearest"}); }, ms); });
    }
    commentShown = shown;
  }

  var scheduled = false;
  new MutationObserver(function () {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(function () {
      scheduled = false;
      followNewest(); nameCitations(); fixAccessibility(); translateGradio(); revealComment(); restoreUnsent();
    });
  }).observe(document.documentElement, {childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["class", "aria-label", "role", "style", "data-ready"]});

  // The header button and the panel's close button drive Gradio's (hidden) sidebar toggle.
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("#panel-btn, #close-panel")) {
      var t = document.querySelector(".sidebar > .toggle-button"); if (t) t.click();
    }
  });

  // Copy an answer as text: its sentences with their [n] markers, then the sources they cite (file: sentence).
  function answerText(message) {
    var clone = message.cloneNode(true);
    clone.querySelectorAll(".to-sources").forEach(function (n) { n.remove(); });
    clone.querySelectorAll("br").forEach(function (n) { n.replaceWith("\n"); });
    clone.querySelectorAll("small").forEach(function (n) { n.before("\n\n"); });
    var text = (clone.textContent || "").replace(/[ \t]+\n/g, "\n").replace(/\n{3,}/g, "\n\n").trim();
    var seen = {}, sources = [];
    message.querySelectorAll('a.cite[href^="#src-"]').forEach(function (a) {
      var id = a.getAttribute("href").slice(1);
      if (seen[id]) return;
      seen[id] = true;
      var info = document.querySelector('.cite-info[data-for="' + id + '"]');
      var preview = info ? info.dataset.preview : (a.getAttribute("title") || "");
      sources.push(a.textContent.trim() + " " + preview);
    });
    return sources.length ? text + "\n\n" + say("sources_label") + ":\n" + sources.join("\n") : text;
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest('#chat .message-buttons button[aria-label^="Cop"]') : null;
    if (!button) return;
    var row = button.closest(".message-buttons").previousElementSibling;
    var message = row && row.querySelector('[data-testid="bot"], [data-testid="user"]');
    if (!message) return;
    e.preventDefault(); e.stopImmediatePropagation();
    var text = message.dataset.testid === "bot" ? answerText(message) : plainText(message);
    var done = function () { button.classList.add("copied"); setTimeout(function () { button.classList.remove("copied"); }, 1500); };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, function () {});
    window.seedbot.copied = text;
  }, true);

  // The question being answered is kept here: Stop puts it back in the box, and so does a server that cannot be
  // reached (said at once, instead of a spinner that never ends).
  var asking = "";
  function remember() { var box = questionBox(); if (box && box.value.trim()) asking = box.value; }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && e.target.closest && e.target.closest("#question")) remember();
  }, true);
  document.addEventListener("click", function (e) {
    if (!e.target.closest) return;
    if (e.target.closest("#send-btn")) remember();
    var example = e.target.closest("#chat button.example");
    if (example) {
      asking = plainText(example.querySelector(".example-text") || example);
      // the examples go once the question is in the chat: the focus goes to the question box, not the page body
      [300, 800, 1500, 3000, 6000].forEach(function (ms) {
        setTimeout(function () { var box = questionBox(); if (box && (document.activeElement === document.body || !document.activeElement)) box.focus(); }, ms);
      });
    }
    if (e.target.closest("#stop-btn")) setTimeout(function () { restoreQuestion(); }, 400);
  }, true);
  function restoreQuestion() {
    var box = questionBox();
    if (!box || !asking || box.value.trim()) return;
    box.value = asking;
    box.dispatchEvent(new Event("input", {bubbles: true}));
    box.focus();
  }
  function showServerNote(on) {
    var note = document.getElementById("server-note");
    if (!note) {
      var row = document.getElementById("ask-row"); if (!row) return;
      note = document.createElement("div"); note.id = "server-note"; note.setAttribute("role", "alert");
      row.parentElement.insertBefore(note, row);
    }
    note.textContent = on ? "⚠ " + say("server_unreachable") : "";
    note.hidden = !on;
  }
  // Gradio reloads the page when the server is back: the question waits in this tab's sessionStorage meanwhile.
  var PENDING = "seedbot-unsent-question";
  function unreachable() {
    document.body.classList.remove("answering");
    showServerNote(true);
    try { if (asking) sessionStorage.setItem(PENDING, asking); } catch (err) { /* storage off: the box still has it */ }
    setTimeout(restoreQuestion, 50);
    setTimeout(restoreQuestion, 600);
  }
  var unsentChecked = false;
  function restoreUnsent() {  // once per page load, when the page is ready
    if (unsentChecked || !questionBox() || document.body.dataset.ready !== "1") return;
    unsentChecked = true;
    var kept = null;
    try { kept = sessionStorage.getItem(PENDING); sessionStorage.removeItem(PENDING); } catch (err) { return; }
    if (kept) { asking = kept; restoreQuestion(); }
  }
  var realFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var call = /\/gradio_api\/queue\/join/.test(url);
    return realFetch(input, init).then(function (response) {
      if (call) showServerNote(false);
      return response;
    }, function (error) {
      if (call) unreachable();
      throw error;
    });
  };

  // Picking files to upload shows at once that indexing is under way; answering shows Stop instead of Ask.
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches('#upload input[type="file"]') && e.target.files.length) document.body.classList.add("indexing");
  }, true);
  window.seedbot = {
    busy: function (kind, on) { document.body.classList.toggle(kind, on); },
    language: function (ui) {
      lang = words[ui] ? ui : "en";
      document.documentElement.lang = lang;
      fixAccessibility(); translateGradio();
    },
    copied: "",
  };
})();
