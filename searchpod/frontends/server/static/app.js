// searchpod's page, made nicer when scripts run (everything works without this file):
// "/" focuses the search box; a time plays from there in the player at the bottom; on an
// episode page the transcript follows the audio, can be searched, and a moment shared; the
// place reached in each episode is remembered in this browser (localStorage).
"use strict";

(function () {
  var doc = document;
  var FOLLOW_KEYS = /^(PageUp|PageDown|ArrowUp|ArrowDown|Home|End| )$/;
  var SAVE_EVERY_MS = 3000;
  var RESUME_FROM_S = 5; // a position this close to the start is not worth resuming

  function byId(id) { return doc.getElementById(id); }

  function typingIn(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // Keys a focused control uses itself (space on a button, arrows on the player) do not scroll.
  function keysGoTo(el) {
    return typingIn(el) || (el && /^(AUDIO|BUTTON|SUMMARY)$/.test(el.tagName));
  }

  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    s = s % 60;
    var mm = h ? (m < 10 ? "0" : "") + m : String(m);
    return (h ? h + ":" : "") + mm + ":" + (s < 10 ? "0" : "") + s;
  }

  function store(key, value) {
    try {
      if (value === null) { localStorage.removeItem(key); } else { localStorage.setItem(key, value); }
    } catch (e) { /* private mode or full: nothing is remembered */ }
  }

  function stored(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  // Clean URLs: empty filters (and the default sort, first page) are not sent.
  doc.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("search")) { return; }
    var fields = form.querySelectorAll("input[name], select[name]");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (!f.value.trim() || (f.name === "sort" && f.value === "relevance")) { f.disabled = true; }
    }
    // Enabled again for the back button, which may show this page from the cache.
    setTimeout(function () { for (var j = 0; j < fields.length; j++) { fields[j].disabled = false; } }, 0);
  });

  doc.addEventListener("keydown", function (event) {
    if (event.key === "/" && !typingIn(doc.activeElement) && !event.ctrlKey && !event.metaKey) {
      var box = byId("q");
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    }
  });

  // ---- the player -----------------------------------------------------------------------

  var player = byId("player");
  var audio = byId("audio");
  var nowPlaying = byId("now-playing");
  var seekNote = byId("seek-note");
  var episodeId = player ? player.getAttribute("data-episode") : null;
  var wantedAt = null; // where we asked the audio to be, to tell when the host cannot seek
  var lastSaved = 0;

  function positionKey(id) { return "searchpod:at:" + id; }

  function savePosition(force) {
    if (!audio || !episodeId || !(audio.currentTime > 0)) { return; }
    var nowMs = Date.now();
    if (!force && nowMs - lastSaved < SAVE_EVERY_MS) { return; }
    lastSaved = nowMs;
    store(positionKey(episodeId), String(Math.floor(audio.currentTime)));
  }

  function seekTo(start) {
    wantedAt = start;
    var seek = function () { audio.currentTime = start; };
    if (audio.readyState >= 1) { seek(); } else { audio.addEventListener("loadedmetadata", seek, { once: true }); }
  }

  function play(start) {
    seekTo(start);
    var playing = audio.play();
    if (playing && playing.catch) {
      playing.catch(function () { /* the user can press play; the position is set */ });
    }
  }

  // The host must answer HTTP range requests for a browser to jump into the audio; when it
  // does not, the audio plays from 0:00 whatever we ask: say so rather than mislead.
  function checkSeek() {
    if (wantedAt === null || !seekNote || audio.readyState < 1) { return; }
    var ranges = audio.seekable;
    var canSeek = ranges && ranges.length > 0 && ranges.end(ranges.length - 1) > 0;
    if (wantedAt > 1 && (!canSeek || Math.abs(audio.currentTime - wantedAt) > 3)) {
      seekNote.textContent = "This audio's host does not allow jumping to a time (no HTTP range " +
        "requests): it plays from the start. Skip to " + clock(wantedAt) + " by hand.";
      seekNote.hidden = false;
    }
    wantedAt = null;
  }

  if (audio) {
    audio.addEventListener("seeked", checkSeek);
    audio.addEventListener("playing", checkSeek);
    audio.addEventListener("loadeddata", function () { if (wantedAt !== null && audio.currentTime < 0.5) { setTimeout(checkSeek, 500); } });
    audio.addEventListener("timeupdate", function () { savePosition(false); });
    audio.addEventListener("pause", function () { savePosition(true); });
    window.addEventListener("pagehide", function () { savePosition(true); });
  }

  // A time in the results plays that episode in the player at the bottom of the page.
  doc.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.time[data-media]");
    if (!link || !audio || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
      return;
    }
    event.preventDefault();
    var media = link.getAttribute("data-media");
    savePosition(true);
    episodeId = link.getAttribute("data-episode");
    player.setAttribute("data-episode", episodeId);
    player.hidden = false;
    nowPlaying.textContent = (link.getAttribute("data-title") || "") + " — from " + link.textContent;
    if (audio.getAttribute("data-src") !== media) {
      audio.setAttribute("data-src", media);
      audio.src = media;
    }
    play(parseFloat(link.getAttribute("data-start")));
  });

  // ---- the share dialog -----------------------------------------------------------------

  var dialog = byId("share-dialog");

  function openShare(url, quote, title) {
    if (!dialog || !dialog.showModal) { return false; }
    byId("share-quote").textContent = quote;
    byId("share-title").textContent = title;
    byId("share-link").value = url;
    byId("share-status").textContent = "";
    dialog.showModal();
    byId("share-link").select();
    return true;
  }

  if (dialog) {
    byId("share-copy").addEventListener("click", function () {
      var box = byId("share-link");
      var done = function () { byId("share-status").textContent = "Link copied."; };
      var fallback = function () {
        box.select();
        try { doc.execCommand("copy"); done(); } catch (e) { byId("share-status").textContent = "Press Ctrl+C to copy."; }
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(box.value).then(done, fallback);
      } else {
        fallback();
      }
    });
    byId("share-close").addEventListener("click", function () { dialog.close(); });
  }

  doc.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.share-link[data-quote]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    if (openShare(link.href, link.getAttribute("data-quote"), link.getAttribute("data-title") || "")) {
      event.preventDefault();
    }
  });

  // ---- an episode's transcript ----------------------------------------------------------

  var transcript = byId("transcript");
  if (!transcript || !audio) { return; }
  var cues = Array.prototype.slice.call(transcript.querySelectorAll("li.cue[data-start]"));
  var starts = cues.map(function (li) { return parseFloat(li.getAttribute("data-start")); });
  var backToNow = byId("back-to-now");
  var shareNow = byId("share-now");
  var following = true;
  var current = -1;

  function cueAt(seconds) {
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= seconds + 0.25) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found < 0 && starts.length ? 0 : found;
  }

  function markLine(i) {
    if (i === current || i < 0) { return; }
    var old = transcript.querySelectorAll(".cue.current");
    for (var k = 0; k < old.length; k++) {
      old[k].classList.remove("current");
      old[k].removeAttribute("aria-current");
    }
    cues[i].classList.add("current");
    cues[i].setAttribute("aria-current", "true");
    current = i;
  }

  function showLine(i) {
    if (i >= 0) { cues[i].scrollIntoView({ block: "center" }); }
  }

  function follow() {
    var i = cueAt(audio.currentTime);
    var moved = i !== current;
    markLine(i);
    if (following && moved && !audio.paused) { showLine(i); }
  }

  function stopFollowing() {
    if (!following || audio.paused) { return; }
    following = false;
    if (backToNow) { backToNow.hidden = false; }
  }

  function startFollowing() {
    following = true;
    if (backToNow) { backToNow.hidden = true; }
  }

  audio.addEventListener("timeupdate", follow);
  audio.addEventListener("seeked", function () { follow(); if (following) { showLine(current); } });
  audio.addEventListener("play", function () { if (following) { showLine(current); } });
  // The reader scrolling away stops the page following the audio until "Back to now".
  window.addEventListener("wheel", stopFollowing, { passive: true });
  window.addEventListener("touchmove", stopFollowing, { passive: true });
  doc.addEventListener("keydown", function (event) {
    if (FOLLOW_KEYS.test(event.key) && !keysGoTo(doc.activeElement)) { stopFollowing(); }
  });
  if (backToNow) {
    backToNow.addEventListener("click", function () {
      startFollowing();
      markLine(cueAt(audio.currentTime));
      showLine(current);
      var time = cues[current] && cues[current].querySelector("a.time");
      if (time) { time.focus({ preventScroll: true }); }
    });
  }

  // A time in the transcript plays from there (without a script it reloads the page there).
  transcript.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.time");
    var line = link && link.closest("li.cue[data-start]");
    if (!line || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    startFollowing();
    markLine(cues.indexOf(line));
    play(parseFloat(line.getAttribute("data-start")));
  });

  // A speaker is named on the first line of their turn: look back for it.
  function speakerOf(line) {
    for (var li = line; li; li = li.previousElementSibling) {
      var named = li.querySelector(".speaker");
      if (named) { return named.textContent; }
    }
    return "";
  }

  // Share the line being heard, quoted, with a link that opens the page there.
  if (shareNow) {
    shareNow.hidden = false;
    shareNow.addEventListener("click", function () {
      var i = current >= 0 ? current : cueAt(audio.currentTime);
      var at = Math.floor(audio.currentTime || (i >= 0 ? starts[i] : 0));
      var query = byId("find-q") ? byId("find-q").value.trim() : "";
      var url = location.origin + location.pathname + "?t=" + at +
        (query ? "&q=" + encodeURIComponent(query) : "") + (i >= 0 ? "#" + cues[i].id : "");
      var speaker = i >= 0 ? speakerOf(cues[i]) : "";
      var said = i >= 0 ? cues[i].querySelector(".text").textContent : "";
      openShare(url, "“" + said + "”" + (speaker ? " — " + speaker : ""),
        player.getAttribute("data-title") + " at " + clock(at));
    });
  }

  // ---- search within the episode --------------------------------------------------------

  var findForm = byId("find");
  var findBox = byId("find-q");
  var findStatus = byId("find-status");
  var matches = [];
  var at = -1;
  var searched = findBox ? findBox.value.trim() : "";

  function unmark() {
    var marks = transcript.querySelectorAll("mark");
    for (var i = 0; i < marks.length; i++) {
      var m = marks[i];
      m.parentNode.replaceChild(doc.createTextNode(m.textContent), m);
    }
    transcript.normalize();
  }

  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function markWords(query) {
    var words = query.toLowerCase().split(/\s+/).filter(function (w) { return w; });
    if (!words.length) { return; }
    var pattern = new RegExp(words.map(escapeRegExp).join("|"), "gi");
    var texts = transcript.querySelectorAll(".text");
    for (var i = 0; i < texts.length; i++) {
      var node = texts[i].firstChild;
      var text = texts[i].textContent;
      if (!node || !pattern.test(text)) { pattern.lastIndex = 0; continue; }
      pattern.lastIndex = 0;
      var out = doc.createDocumentFragment(), last = 0, m;
      while ((m = pattern.exec(text)) !== null) {
        out.appendChild(doc.createTextNode(text.slice(last, m.index)));
        var mark = doc.createElement("mark");
        mark.textContent = m[0];
        out.appendChild(mark);
        last = m.index + m[0].length;
      }
      out.appendChild(doc.createTextNode(text.slice(last)));
      texts[i].textContent = "";
      texts[i].appendChild(out);
    }
  }

  function showMatch(step) {
    if (!matches.length) {
      findStatus.textContent = searched ? "No line says “" + searched + "”." : "";
      return;
    }
    if (at >= 0) { matches[at].classList.remove("here"); }
    at = (at + step + matches.length) % matches.length;
    var mark = matches[at];
    mark.classList.add("here");
    stopFollowing();
    mark.scrollIntoView({ block: "center" });
    findStatus.textContent = (at + 1) + " of " + matches.length;
  }

  function find(query) {
    searched = query;
    unmark();
    markWords(query);
    matches = Array.prototype.slice.call(transcript.querySelectorAll("mark"));
    at = -1;
    // Start from the line being heard, as a reader would expect.
    var from = current >= 0 ? cues[current] : null;
    if (from) {
      for (var i = 0; i < matches.length; i++) {
        if (from.compareDocumentPosition(matches[i]) & Node.DOCUMENT_POSITION_FOLLOWING || from.contains(matches[i])) {
          at = i - 1;
          break;
        }
      }
    }
    showMatch(1);
  }

  if (findForm && findBox && findStatus) {
    var stepper = byId("find-steps");
    stepper.hidden = false;
    matches = Array.prototype.slice.call(transcript.querySelectorAll("mark"));
    if (matches.length) { findStatus.textContent = matches.length + " matches"; }
    findForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = findBox.value.trim();
      if (query === searched && matches.length) { showMatch(1); } else { find(query); }
    });
    findBox.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.shiftKey) { event.preventDefault(); showMatch(-1); }
    });
    byId("find-next").addEventListener("click", function () { if (findBox.value.trim() !== searched) { find(findBox.value.trim()); } else { showMatch(1); } });
    byId("find-prev").addEventListener("click", function () { showMatch(-1); });
  }

  // ---- arriving: at a shared moment, or where this reader left off ----------------------

  // The server marked the line a share link names; without a fragment, show it here.
  var marked = transcript.querySelector(".cue.current");
  var start = audio.getAttribute("data-start");
  var resume = byId("resume");
  if (marked) {
    current = cues.indexOf(marked);
    if (!location.hash) { showLine(current); }
  }
  if (start !== null) {
    seekTo(parseFloat(start));
  } else if (episodeId && !marked) {
    var saved = parseFloat(stored(positionKey(episodeId)) || "");
    if (saved >= RESUME_FROM_S) {
      seekTo(saved);
      markLine(cueAt(saved));
      showLine(current);
      if (resume) {
        byId("resume-at").textContent = clock(saved);
        resume.hidden = false;
        byId("start-over").addEventListener("click", function () {
          store(positionKey(episodeId), null);
          resume.hidden = true;
          audio.currentTime = 0;
          markLine(0);
          window.scrollTo(0, 0);
        });
      }
    }
  }
})();
