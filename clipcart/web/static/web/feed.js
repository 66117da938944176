// The video feed: plays the video in view, shows product chips while their product is on
// screen, opens sheets, and reports what the viewer watched to /api/v1/events in batches.
(function () {
  "use strict";

  var feed = document.getElementById("feed");
  if (!feed) return;
  var sheet = document.getElementById("sheet");
  var sheetBody = document.getElementById("sheet-body");
  var toast = document.getElementById("toast");
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  function now() {
    return window.performance ? performance.now() : Date.now();
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // --- Events: a queue flushed in batches ---------------------------------------------------------

  var EVENTS_URL = feed.getAttribute("data-events-url");
  var FLUSH_EVERY_MS = 10000;
  var FLUSH_AT = 50;
  var BATCH = 100; // keeps a beacon or keepalive body well under the browsers' 64 KB limit
  var queue = [];
  var sending = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // crypto.randomUUID exists only in secure contexts; getRandomValues everywhere.
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function track(type, fields) {
    var event = { id: uuid(), type: type, ts: Date.now() };
    Object.keys(fields || {}).forEach(function (key) {
      if (fields[key] !== null && fields[key] !== undefined && fields[key] !== "") {
        event[key] = fields[key];
      }
    });
    queue.push(event);
    if (queue.length >= FLUSH_AT) flush();
  }

  function post(body, keepalive) {
    return fetch(EVENTS_URL, {
      method: "POST",
      credentials: "same-origin",
      keepalive: keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body,
    });
  }

  // A batch that fails (offline, a 5xx, a 429) goes back to the front of the queue with the same
  // ids, so the server counts a retried event once. A 4xx other than 429 would fail again: drop it.
  function flush() {
    if (sending || !queue.length || !EVENTS_URL) return;
    var batch = queue.splice(0, BATCH);
    sending = true;
    post(JSON.stringify({ events: batch }), true)
      .then(function (response) {
        if (response.ok || (response.status < 500 && response.status !== 429)) return;
        throw new Error("events " + response.status);
      })
      .catch(function () {
        queue = batch.concat(queue);
      })
      .then(function () {
        sending = false;
      });
  }

  // The page is going away: hand everything to the browser, which sends it even after unload.
  function flushNow() {
    while (queue.length && EVENTS_URL) {
      var body = JSON.stringify({ events: queue.splice(0, BATCH) });
      var sent = false;
      if (navigator.sendBeacon) {
        try {
          sent = navigator.sendBeacon(EVENTS_URL, new Blob([body], { type: "application/json" }));
        } catch (error) {
          sent = false;
        }
      }
      if (!sent) post(body, true).catch(function () {});
    }
  }

  setInterval(flush, FLUSH_EVERY_MS);

  // --- Items: which one is in view ---------------------------------------------------------------

  var states = new WeakMap();
  var seen = {}; // post id → true, for impressions (once per item per page view)
  var active = null;
  var muted = sessionStorage.getItem("clipcart:muted") !== "0";

  function stateOf(item) {
    var state = states.get(item);
    if (!state) {
      state = { since: null, pending: 0, completed: false, lastTime: 0, userPaused: false };
      states.set(item, state);
    }
    return state;
  }

  function postId(item) {
    return Number(item.getAttribute("data-post-id"));
  }

  function videoOf(item) {
    return item && item.querySelector("video.clip");
  }

  // Watch time: `since` is when the current stretch of watching began, `pending` what has not
  // been reported yet. view_progress carries the delta since the previous report.
  function startWatching(item) {
    var state = stateOf(item);
    if (state.since === null && document.visibilityState === "visible") state.since = now();
  }

  function stopWatching(item) {
    var state = stateOf(item);
    if (state.since !== null) {
      state.pending += now() - state.since;
      state.since = null;
    }
  }

  function reportWatch(item, minimum) {
    var state = stateOf(item);
    if (state.since !== null) {
      var t = now();
      state.pending += t - state.since;
      state.since = t;
    }
    var ms = Math.round(state.pending);
    if (ms < (minimum || 1)) return;
    state.pending = 0;
    track("view_progress", { video_id: postId(item), watch_ms: ms });
  }

  setInterval(function () {
    if (active) reportWatch(active, 4000);
  }, 5000);

  function play(item) {
    var video = videoOf(item);
    if (!video) {
      startWatching(item); // a photo post is "watched" while it is on screen
      return;
    }
    video.muted = muted;
    var attempt = video.play();
    if (attempt && attempt.catch) {
      attempt.catch(function () {
        // Sound needs a tap first: play muted rather than not at all.
        if (!video.muted) {
          setMuted(true, false);
          video.play().catch(function () {});
        }
      });
    }
  }

  function activate(item) {
    if (active === item) return;
    if (active) deactivate(active);
    active = item;
    var id = postId(item);
    if (!seen[id]) {
      seen[id] = true;
      track("impression", { video_id: id });
    }
    var state = stateOf(item);
    state.userPaused = false;
    item.classList.remove("is-paused");
    updateAnchors(item);
    if (!reducedMotion.matches || !videoOf(item)) play(item);
    else item.classList.add("is-paused");
    preloadNext(item);
    updateSteps();
  }

  function deactivate(item) {
    var video = videoOf(item);
    if (video && !video.paused) video.pause();
    stopWatching(item);
    reportWatch(item, 1);
    if (active === item) active = null;
  }

  function preloadNext(item) {
    var next = item.nextElementSibling;
    var video = videoOf(next);
    if (video && video.preload !== "auto") video.preload = "auto";
  }

  var observer = new IntersectionObserver(
    function (entries) {
      entries.forEach(function (entry) {
        var item = entry.target;
        if (entry.intersectionRatio >= 0.6) activate(item);
        else if (item === active) deactivate(item);
      });
    },
    { root: feed, threshold: [0, 0.6, 1] }
  );

  // --- Video behaviour ------------------------------------------------------------------------------

  function updateAnchors(item) {
    var video = videoOf(item);
    var at = video ? video.currentTime * 1000 : 0;
    item.querySelectorAll(".anchors [data-anchor]").forEach(function (chip) {
      var start = chip.getAttribute("data-start");
      var end = chip.getAttribute("data-end");
      var on = !video || ((start === "" || at >= Number(start)) && (end === "" || at < Number(end)));
      chip.classList.toggle("is-off", !on);
      chip.setAttribute("aria-hidden", on ? "false" : "true");
      chip.tabIndex = on ? 0 : -1;
    });
  }

  function wireVideo(item, video) {
    var state = stateOf(item);
    var bar = item.querySelector(".progress-bar");
    var frame = null;

    function drawProgress() {
      if (bar && video.duration) bar.style.transform = "scaleX(" + video.currentTime / video.duration + ")";
      frame = !video.paused ? requestAnimationFrame(drawProgress) : null;
    }

    video.addEventListener("playing", function () {
      startWatching(item);
      item.classList.remove("is-paused");
      setPlayLabel(item, true);
      if (!frame) frame = requestAnimationFrame(drawProgress);
    });
    video.addEventListener("pause", function () {
      stopWatching(item);
      setPlayLabel(item, false);
      if (state.userPaused) item.classList.add("is-paused");
    });
    video.addEventListener("waiting", function () {
      stopWatching(item); // buffering is not watching
    });
    video.addEventListener("timeupdate", function () {
      var t = video.currentTime;
      var d = video.duration;
      // The video loops, so "ended" never fires: the first end is a time near the duration, or
      // the time jumping back to the start after most of it was played.
      if (!state.completed && d && (t >= d - 0.3 || (state.lastTime > d * 0.7 && t < state.lastTime - 0.5))) {
        state.completed = true;
        track("complete", { video_id: postId(item) });
      }
      state.lastTime = t;
      updateAnchors(item);
    });
    video.addEventListener("ended", function () {
      if (!state.completed) {
        state.completed = true;
        track("complete", { video_id: postId(item) });
      }
    });

    // A tap pauses or plays; a double tap likes (and does not pause).
    var tapTimer = null;
    video.addEventListener("click", function (event) {
      if (tapTimer) {
        clearTimeout(tapTimer);
        tapTimer = null;
        doubleTapLike(item, event);
        return;
      }
      tapTimer = setTimeout(function () {
        tapTimer = null;
        togglePlay(item);
      }, 260);
    });
  }

  function togglePlay(item) {
    var video = videoOf(item);
    if (!video) return;
    var state = stateOf(item);
    if (video.paused) {
      state.userPaused = false;
      item.classList.remove("is-paused");
      play(item);
    } else {
      state.userPaused = true;
      video.pause();
    }
  }

  function setPlayLabel(item, playing) {
    var button = item.querySelector("[data-play]");
    if (button) button.setAttribute("aria-label", playing ? "Pause" : "Play");
  }

  function doubleTapLike(item, event) {
    var button = item.querySelector("[data-like]");
    if (button && button.getAttribute("aria-pressed") !== "true") button.form.requestSubmit(button);
    if (reducedMotion.matches) return;
    var stage = item.querySelector(".stage");
    var rect = stage.getBoundingClientRect();
    var heart = document.createElement("div");
    heart.className = "burst";
    heart.innerHTML =
      '<svg viewBox="0 0 24 24" width="96" height="96" aria-hidden="true"><path d="M12 20.5s-8-4.6-8-10.6C4 7 6.1 4.8 8.7 4.8c1.5 0 2.6.7 3.3 1.8.7-1.1 1.8-1.8 3.3-1.8C17.9 4.8 20 7 20 9.9c0 6-8 10.6-8 10.6z" fill="currentColor"/></svg>';
    heart.style.left = event.clientX - rect.left + "px";
    heart.style.top = event.clientY - rect.top + "px";
    stage.appendChild(heart);
    setTimeout(function () {
      heart.remove();
    }, 900);
  }

  // Sound is one choice for the whole feed, remembered for the session.
  function setMuted(value, remember) {
    muted = value;
    if (remember) sessionStorage.setItem("clipcart:muted", value ? "1" : "0");
    feed.querySelectorAll("video.clip").forEach(function (video) {
      video.muted = value;
    });
    feed.querySelectorAll("[data-mute]").forEach(function (button) {
      button.setAttribute("aria-pressed", value ? "false" : "true");
      button.setAttribute("aria-label", value ? "Unmute" : "Mute");
    });
  }

  // --- Photo carousels ----------------------------------------------------------------------------

  function wireCarousel(item, carousel) {
    var dots = item.querySelectorAll("[data-dot]");
    if (!dots.length) return;
    var ticking = false;
    carousel.addEventListener(
      "scroll",
      function () {
        if (ticking) return;
        ticking = true;
        requestAnimationFrame(function () {
          ticking = false;
          var index = Math.round(carousel.scrollLeft / carousel.clientWidth);
          dots.forEach(function (dot, i) {
            if (i === index) dot.setAttribute("aria-current", "true");
            else dot.removeAttribute("aria-current");
          });
        });
      },
      { passive: true }
    );
    dots.forEach(function (dot) {
      dot.addEventListener("click", function () {
        var index = Number(dot.getAttribute("data-dot"));
        carousel.scrollTo({ left: index * carousel.clientWidth, behavior: reducedMotion.matches ? "auto" : "smooth" });
      });
    });
  }

  // --- Setting up items (the first page and every page appended by htmx) -------------------------

  var known = {};

  function setUp(root) {
    var items = root.matches && root.matches(".feed-item[data-post-id]") ? [root] : root.querySelectorAll(".feed-item[data-post-id]");
    Array.prototype.forEach.call(items, function (item) {
      if (item.hasAttribute("data-ready")) return;
      var id = postId(item);
      if (known[id]) {
        item.remove(); // a shared video that also comes up later in the feed
        return;
      }
      known[id] = true;
      item.setAttribute("data-ready", "");
      var video = videoOf(item);
      if (video) {
        video.muted = muted;
        wireVideo(item, video);
      }
      var carousel = item.querySelector(".carousel");
      if (carousel) wireCarousel(item, carousel);
      updateAnchors(item);
      observer.observe(item);
    });
    setMuted(muted, false);
    updateSteps();
  }

  // --- Moving between items ------------------------------------------------------------------------

  function items() {
    return Array.prototype.slice.call(feed.querySelectorAll(".feed-item"));
  }

  function currentIndex() {
    var all = items();
    if (active && all.indexOf(active) >= 0) return all.indexOf(active);
    return Math.round(feed.scrollTop / Math.max(1, feed.clientHeight));
  }

  function go(step) {
    var all = items();
    var target = all[currentIndex() + step];
    if (target) target.scrollIntoView({ behavior: reducedMotion.matches ? "auto" : "smooth", block: "start" });
  }

  function updateSteps() {
    var all = items();
    var index = currentIndex();
    document.querySelectorAll("[data-step]").forEach(function (button) {
      var step = Number(button.getAttribute("data-step"));
      button.disabled = !all[index + step];
    });
  }

  function typing(target) {
    return target && target.closest && target.closest("input, textarea, select, [contenteditable], dialog");
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if ((sheet && sheet.open) || typing(event.target)) return;
    var key = event.key;
    if (key === "ArrowDown" || key === "PageDown" || key === "j") {
      event.preventDefault();
      go(1);
    } else if (key === "ArrowUp" || key === "PageUp" || key === "k") {
      event.preventDefault();
      go(-1);
    } else if (key === "m") {
      setMuted(!muted, true);
    } else if (key === " " && !(event.target.closest && event.target.closest("button, a, summary"))) {
      if (active) {
        event.preventDefault();
        togglePlay(active);
      }
    }
  });

  // --- Sheets -------------------------------------------------------------------------------------

  function openSheet() {
    if (!sheet.open) sheet.showModal();
  }

  function closeSheet() {
    if (sheet.open) sheet.close();
  }

  sheet.addEventListener("click", function (event) {
    if (event.target === sheet) closeSheet(); // the backdrop
    if (event.target.closest("[data-close-sheet]")) closeSheet();
  });

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.target === sheetBody && !sheet.open) {
      sheetBody.innerHTML = '<div class="sheet-loading" role="status"><span class="spinner" aria-hidden="true"></span><span class="visually-hidden">Loading…</span></div>';
      openSheet();
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === sheetBody) {
      openSheet();
      sheetBody.scrollTop = 0;
    }
  });

  // --- Actions of the rail and the chips -----------------------------------------------------------

  function showToast(message) {
    toast.textContent = message;
    toast.classList.add("is-shown");
    clearTimeout(showToast.timer);
    showToast.timer = setTimeout(function () {
      toast.classList.remove("is-shown");
    }, 2600);
  }

  document.body.addEventListener("feed:toast", function (event) {
    showToast((event.detail && event.detail.value) || "Done");
  });

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var done = document.execCommand && document.execCommand("copy");
      area.remove();
      if (done) resolve();
      else reject(new Error("copy"));
    });
  }

  function share(button) {
    var item = button.closest(".feed-item");
    fetch(button.getAttribute("data-share"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error("share " + response.status);
        return response.json();
      })
      .then(function (answer) {
        track("share", { video_id: postId(item) });
        return copy(answer.url).then(
          function () {
            showToast("Link copied");
          },
          function () {
            showToast(answer.url);
          }
        );
      })
      .catch(function () {
        showToast("Could not make a link. Try again.");
      });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    var anchor = target.closest("[data-anchor]");
    if (anchor) {
      track("anchor_click", {
        video_id: Number(anchor.getAttribute("data-video-id")) || null,
        product_id: Number(anchor.getAttribute("data-product-id")) || null,
      });
      return;
    }
    var button = target.closest("[data-share]");
    if (button) return share(button);
    button = target.closest("[data-bag]");
    if (button) {
      var template = button.closest(".feed-item").querySelector("template.bag-template");
      sheetBody.replaceChildren(template.content.cloneNode(true));
      if (window.htmx) htmx.process(sheetBody);
      openSheet();
      return;
    }
    button = target.closest("[data-play]");
    if (button) return togglePlay(button.closest(".feed-item"));
    if (target.closest("[data-mute]")) return setMuted(!muted, true);
    button = target.closest("[data-step]");
    if (button) return go(Number(button.getAttribute("data-step")));
  });

  // What the server confirmed (a like, an add to cart, a purchase) arrives as data-feed-event on
  // the fragment it answers with: reported once, when it lands.
  function reportConfirmed(root) {
    var found = root.matches && root.matches("[data-feed-event]") ? [root] : [];
    found = found.concat(Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("[data-feed-event]") : []));
    found.forEach(function (element) {
      try {
        var event = JSON.parse(element.getAttribute("data-feed-event"));
        track(event.type, event);
      } catch (error) {
        /* a malformed attribute is not worth breaking the page for */
      }
      element.removeAttribute("data-feed-event");
    });
  }

  function onLoad(root) {
    setUp(root);
    reportConfirmed(root);
  }

  if (window.htmx) htmx.onLoad(onLoad);
  else onLoad(document.body);

  // --- Leaving the page ----------------------------------------------------------------------------

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (active) {
        stopWatching(active);
        reportWatch(active, 1);
      }
      flushNow();
    } else if (active) {
      var video = videoOf(active);
      if (!video || !video.paused) startWatching(active);
    }
  });

  window.addEventListener("pagehide", function () {
    if (active) {
      stopWatching(active);
      reportWatch(active, 1);
    }
    flushNow();
  });

  // Messages after a redirect ("Welcome to Clipcart") float over the video for a while.
  document.querySelectorAll(".messages .notice").forEach(function (notice) {
    notice.addEventListener("click", function () {
      notice.remove();
    });
    setTimeout(function () {
      notice.remove();
    }, 8000);
  });

  // Keyboard focus starts in the feed, so the arrow keys move between videos at once.
  if (!document.activeElement || document.activeElement === document.body) feed.focus({ preventScroll: true });
})();
