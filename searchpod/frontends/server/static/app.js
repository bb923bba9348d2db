// searchpod's page: "/" focuses the search box; a time plays the audio from there;
// a share link's line is scrolled into view. Everything works without this file, less nicely.
"use strict";

(function () {
  function typingIn(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !typingIn(document.activeElement) && !event.ctrlKey && !event.metaKey) {
      var box = document.getElementById("q");
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    }
  });

  function playAt(audio, src, start) {
    var same = audio.getAttribute("data-src") === src;
    if (!same) {
      audio.setAttribute("data-src", src);
      audio.src = src + "#t=" + Math.floor(start);
    }
    var seek = function () { audio.currentTime = start; };
    if (audio.readyState >= 1) {
      seek();
    } else {
      audio.addEventListener("loadedmetadata", seek, { once: true });
    }
    var playing = audio.play();
    if (playing && playing.catch) {
      playing.catch(function () { /* the user can press play; the position is set */ });
    }
  }

  // Results: the global player at the bottom of the page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.time[data-start]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
      return;
    }
    var start = parseFloat(link.getAttribute("data-start"));
    var episodeAudio = document.getElementById("episode-audio");
    if (episodeAudio && !link.hasAttribute("data-media")) {
      event.preventDefault();
      playAt(episodeAudio, episodeAudio.getAttribute("data-src"), start);
      markLine(link.closest("li"));
      return;
    }
    var media = link.getAttribute("data-media");
    var player = document.getElementById("player");
    var audio = document.getElementById("audio");
    if (!media || !player || !audio) {
      return;
    }
    event.preventDefault();
    player.hidden = false;
    document.getElementById("now-playing").textContent =
      (link.getAttribute("data-title") || "") + " — from " + link.textContent;
    playAt(audio, media, start);
  });

  function markLine(line) {
    if (!line) {
      return;
    }
    var old = document.querySelectorAll(".cue.current");
    for (var i = 0; i < old.length; i++) {
      old[i].classList.remove("current");
      old[i].removeAttribute("aria-current");
    }
    line.classList.add("current");
    line.setAttribute("aria-current", "true");
  }

  // Episode page: show the shared moment, and have the audio ready there.
  function showMoment() {
    var line = document.querySelector(".cue.current");
    if (line) {
      line.scrollIntoView({ block: "center" });
    }
    var audio = document.getElementById("episode-audio");
    if (audio) {
      audio.setAttribute("data-src", audio.getAttribute("src").split("#")[0]);
    }
    if (audio && audio.hasAttribute("data-start")) {
      var start = parseFloat(audio.getAttribute("data-start"));
      var seek = function () { if (audio.currentTime < 0.5) { audio.currentTime = start; } };
      if (audio.readyState >= 1) { seek(); } else { audio.addEventListener("loadedmetadata", seek, { once: true }); }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showMoment);
  } else {
    showMoment();
  }
})();
