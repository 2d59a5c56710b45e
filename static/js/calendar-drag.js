// Moving events in the week and day grids: drag to move, drag the bottom edge to resize, or
// focus an event and use the arrow keys (Enter saves, Escape cancels). Gestures come from the
// vendored interact.js (mouse and touch alike); every move posts to the event's move endpoint
// (calendar_app/views/move.py), which uses the same edit service as the Edit form and answers
// with a fragment for the move panel: a question, a clash, a conflict, a refusal, or "done"
// with Undo. Loaded by calendar.html as a static file (CSP: no inline scripts).
//
// The grid's contract: a block carries data-event-id, data-revision, data-start and data-end
// (YYYY-MM-DDTHH:MM, the business's wall clock); its column data-day (or data-date) and, in the
// resource view, data-resource-id.
(function () {
  "use strict";

  var SNAP = 15; // minutes
  var DAY = 24 * 60;
  var UNDO_SECONDS = 8;
  var BLOCKS = ".cal-days .cal-timeline > .cal-event[data-event-id][data-start]:not(.cancelled)";
  var DAYS = "[data-day], [data-date]";
  var WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  var FAILURES = {
    0: "The calendar could not be reached; nothing was changed.",
    403: "You may not move this event; nothing was changed.",
    404: "This event no longer exists; reload the calendar.",
  };
  var pending = null; // the move being made: see begin()
  var suppressClickUntil = 0;
  var refocusId = null;
  var hideTimer = null;

  // Times: "YYYY-MM-DDTHH:MM" read as UTC, so adding minutes never meets a DST change.
  function parse(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(text || "");
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0)) : NaN;
  }
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function iso(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      "T" + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }
  function hm(ms) {
    var d = new Date(ms);
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }
  function label(startMs, endMs) {
    var d = new Date(startMs);
    return WEEKDAYS[d.getUTCDay()] + " " + d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + ", " +
      hm(startMs) + "–" + hm(endMs);
  }
  function snap(minutes) {
    return Math.round(minutes / SNAP) * SNAP;
  }

  // A column is where blocks sit: a day's (or, by resource, a resource's) timeline. Its day
  // and resource are those of the nearest elements that say so.
  function columns() {
    var grid = document.querySelectorAll(".cal-days .cal-timeline");
    return grid.length ? grid : document.querySelectorAll(".cal-days [data-resource-id], .cal-days " + DAYS);
  }
  function columnOf(element) {
    return element && (element.closest(".cal-timeline") || element.closest("[data-resource-id]") ||
      element.closest(DAYS));
  }
  function dayOf(column) {
    var holder = column.closest(DAYS);
    return holder ? parse(holder.dataset.day || holder.dataset.date) : NaN;
  }
  function resourceOf(element) {
    var holder = element && element.closest("[data-resource-id]");
    return holder ? holder.dataset.resourceId : "";
  }
  function timelineOf(column) {
    return column.matches(".cal-timeline") ? column : column.querySelector(".cal-timeline") || column;
  }
  function placed(block) {
    return window.getComputedStyle(block).position === "absolute";
  }
  function pixelsPerMinute(block) {
    var grid = block.closest(".cal-days") || document;
    var hour = grid.querySelector(".cal-slot, .cal-hour");
    var height = hour ? hour.getBoundingClientRect().height : 0;
    return (height || 48) / 60;
  }

  function liveRegion() {
    var region = document.getElementById("move-live");
    if (!region) {
      region = document.createElement("div");
      region.id = "move-live";
      region.className = "visually-hidden";
      region.setAttribute("aria-live", "polite");
      region.setAttribute("role", "status");
      document.body.appendChild(region);
    }
    return region;
  }
  function announce(text) {
    liveRegion().textContent = text;
  }

  function panel() {
    var box = document.getElementById("move-panel");
    if (!box) {
      box = document.createElement("section");
      box.id = "move-panel";
      box.className = "move-panel card";
      box.setAttribute("aria-label", "Move event");
      box.hidden = true;
      document.body.appendChild(box);
    }
    return box;
  }
  function closePanel() {
    var box = panel();
    box.hidden = true;
    box.textContent = "";
    if (hideTimer) {
      window.clearTimeout(hideTimer);
      hideTimer = null;
    }
  }

  // A move: the block, its original span and column, and how far it has gone.
  function begin(block, kind) {
    var column = columnOf(block);
    pending = {
      block: block,
      kind: kind,
      id: block.dataset.eventId,
      url: block.getAttribute("href").replace(/\/?$/, "/") + "move/",
      revision: block.dataset.revision || "",
      start: parse(block.dataset.start),
      end: parse(block.dataset.end),
      column: column,
      day: column ? dayOf(column) : NaN,
      resource: resourceOf(block),
      target: column,
      days: 0,
      minutes: 0,
      resize: 0,
      dy: 0,
      ghost: null,
      title: (block.querySelector("b") || block).textContent.trim(),
    };
    block.classList.add("moving");
    return pending;
  }
  function newStart(move) {
    return move.start + (move.days * DAY + move.minutes) * 60000;
  }
  function newEnd(move) {
    return Math.max(
      move.end + (move.days * DAY + move.minutes + move.resize) * 60000,
      newStart(move) + SNAP * 60000
    );
  }
  function targetResource(move) {
    return move.target ? resourceOf(move.target) : move.resource;
  }

  function drawGhost(move) {
    var block = move.block;
    var text = label(newStart(move), newEnd(move));
    if (!move.target || !placed(block)) {
      return text;
    }
    var ppm = pixelsPerMinute(block);
    var ghost = move.ghost;
    if (!ghost) {
      ghost = move.ghost = document.createElement("div");
      ghost.className = "cal-ghost";
      ghost.setAttribute("aria-hidden", "true");
    }
    var timeline = timelineOf(move.target);
    if (ghost.parentNode !== timeline) {
      timeline.appendChild(ghost);
    }
    var top = block.offsetTop + move.minutes * ppm;
    var height = Math.max(block.offsetHeight + move.resize * ppm, SNAP * ppm);
    ghost.style.top = top + "px";
    ghost.style.height = height + "px";
    ghost.textContent = move.title + " · " + text;
    return text;
  }

  function putBack(move) {
    if (!move) {
      return;
    }
    if (move.ghost && move.ghost.parentNode) {
      move.ghost.parentNode.removeChild(move.ghost);
    }
    move.block.classList.remove("moving");
    if (pending === move) {
      pending = null;
    }
  }

  function changed(move) {
    return move.days || move.minutes || move.resize || targetResource(move) !== move.resource;
  }

  // Posting: the drop, then whatever the panel's forms post (answers, Move anyway, Undo).
  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers") || "{}";
    return JSON.parse(headers)["X-CSRFToken"] || ""; // base.html writes it for htmx
  }
  function commit(move) {
    var data = new FormData();
    data.append("revision", move.revision);
    data.append("start", iso(newStart(move)));
    data.append("end", iso(newEnd(move)));
    var resource = targetResource(move);
    if (resource && resource !== move.resource) {
      data.append("resource_id", resource);
      data.append("from_resource_id", move.resource);
    }
    move.block.classList.add("saving");
    post(move.url, data, move);
  }
  function post(url, data, move) {
    announce("Saving…");
    window
      .fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      })
      .then(function (response) {
        return response.text().then(function (html) {
          answered(response.status, html, move);
        });
      })
      .catch(function () {
        answered(0, "", move);
      });
  }

  function answered(status, html, move) {
    var box = panel();
    if (hideTimer) {
      window.clearTimeout(hideTimer);
      hideTimer = null;
    }
    var fragment = html && !/<html[\s>]/i.test(html);
    if (fragment) {
      box.innerHTML = html;
    } else {
      box.innerHTML = "";
      var p = document.createElement("p");
      p.className = "error";
      p.setAttribute("role", "alert");
      p.textContent = FAILURES[status] || "The move failed (" + status + "); nothing was changed.";
      box.appendChild(p);
    }
    box.hidden = false;
    var answer = box.querySelector("[data-move-state]");
    var state = answer ? answer.dataset.moveState : "refused";
    if (move) {
      move.block.classList.remove("saving");
    }
    if (state === "ask" || state === "clash") {
      announce((box.textContent || "").replace(/\s+/g, " ").trim());
      var first = box.querySelector("input:not([type=hidden]), button");
      if (first) {
        first.focus();
      }
      return; // the ghost stays where it was dropped until the person answers
    }
    putBack(move);
    if (state === "done" || state === "conflict") {
      refocusId = move ? move.id : null;
      refreshGrid();
    }
    if (state === "done") {
      var done = box.querySelector(".move-done span");
      announce((done ? done.textContent : "Moved.") + " Undo is available for a few seconds.");
      hideTimer = window.setTimeout(function () {
        if (!box.contains(document.activeElement)) {
          closePanel();
        }
      }, UNDO_SECONDS * 1000);
    } else {
      announce((box.textContent || "").replace(/\s+/g, " ").trim());
    }
  }

  function refreshGrid() {
    if (window.htmx && document.getElementById("calendar-body")) {
      window.htmx.ajax("GET", window.location.href, { target: "#calendar-body", swap: "outerHTML" });
    }
  }

  // The panel's forms (the answers, Move anyway, Undo) post the same way; Cancel puts back.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest("#move-panel")) {
      return;
    }
    event.preventDefault();
    var data = new FormData(form, event.submitter || undefined);
    if (event.submitter && event.submitter.name && !data.has(event.submitter.name)) {
      data.append(event.submitter.name, event.submitter.value);
    }
    post(form.getAttribute("action"), data, pending);
  });
  document.addEventListener("click", function (event) {
    if (Date.now() < suppressClickUntil && event.target.closest(".cal-days")) {
      event.preventDefault(); // the click that ends a drag does not open the event
      event.stopPropagation();
      return;
    }
    var cancel = event.target.closest("#move-panel [data-move-cancel]");
    if (cancel) {
      event.preventDefault();
      var move = pending;
      putBack(move);
      closePanel();
      if (move) {
        announce("Move cancelled; the event stays where it was.");
        move.block.focus();
      }
    }
  }, true);

  // Pointer (mouse and touch): interact.js reports the drag; the ghost shows where it lands.
  function columnAt(x, y, fallback) {
    var all = columns();
    for (var i = 0; i < all.length; i++) {
      var rect = all[i].getBoundingClientRect();
      if (x >= rect.left && x < rect.right) {
        return all[i]; // the column under the pointer, above or below its hours alike
      }
    }
    return fallback;
  }

  function onStart(kind) {
    return function (event) {
      var block = event.target;
      if (!placed(block) || (pending && pending.block !== block)) {
        event.interaction.stop();
        return;
      }
      closePanel();
      putBack(pending);
      begin(block, kind);
    };
  }
  function onMove(event) {
    var move = pending;
    if (!move) {
      return;
    }
    move.dy += event.dy;
    var minutes = snap(move.dy / pixelsPerMinute(move.block));
    if (move.kind === "resize") {
      move.resize = Math.max(minutes, SNAP - (move.end - move.start) / 60000);
    } else {
      move.target = columnAt(event.client.x, event.client.y, move.target);
      move.days = move.target ? Math.round((dayOf(move.target) - move.day) / 86400000) : 0;
      move.minutes = minutes;
    }
    drawGhost(move);
  }
  function onEnd() {
    var move = pending;
    suppressClickUntil = Date.now() + 400;
    if (!move) {
      return;
    }
    if (!changed(move)) {
      putBack(move);
      return;
    }
    commit(move);
  }

  function setUp() {
    if (!window.interact) {
      return;
    }
    window
      .interact(BLOCKS)
      .draggable({
        listeners: { start: onStart("move"), move: onMove, end: onEnd },
      })
      .resizable({
        edges: { bottom: true, top: false, left: false, right: false },
        margin: 8,
        listeners: { start: onStart("resize"), move: onMove, end: onEnd },
      });
  }

  // Keyboard: arrows move by 15 minutes or a day, Shift+Up/Down changes the end; Enter saves.
  var KEYS = { ArrowUp: [0, -SNAP], ArrowDown: [0, SNAP], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
  function columnFor(move) {
    var wanted = move.day + move.days * 86400000;
    var all = columns();
    var found = null;
    for (var i = 0; i < all.length; i++) {
      if (dayOf(all[i]) === wanted) {
        if (resourceOf(all[i]) === move.resource) {
          return all[i];
        }
        found = found || all[i];
      }
    }
    return found;
  }
  document.addEventListener("keydown", function (event) {
    var block = event.target.closest && event.target.closest(BLOCKS);
    if (!block) {
      return;
    }
    var move = pending && pending.block === block ? pending : null;
    if (event.key === "Enter" && move) {
      event.preventDefault();
      if (changed(move)) {
        commit(move);
      } else {
        putBack(move);
        announce("Nothing moved.");
      }
      return;
    }
    if (event.key === "Escape" && move) {
      event.preventDefault();
      putBack(move);
      closePanel();
      announce("Move cancelled; “" + move.title + "” stays at " + label(move.start, move.end) + ".");
      return;
    }
    var step = KEYS[event.key];
    if (!step || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    event.preventDefault();
    if (!move) {
      closePanel();
      putBack(pending);
      move = begin(block, "keyboard");
    }
    if (event.shiftKey && step[1]) {
      move.resize = Math.max(move.resize + step[1], SNAP - (move.end - move.start) / 60000);
    } else {
      move.days += step[0];
      move.minutes += step[1];
    }
    move.target = columnFor(move);
    var text = drawGhost(move);
    announce("“" + move.title + "” to " + text + ". Enter to save, Escape to cancel.");
  });
  document.addEventListener("focusout", function (event) {
    var move = pending;
    var next = event.relatedTarget;
    if (next && next.closest && next.closest("#move-panel")) {
      return; // answering the panel's question: the move is still being made
    }
    if (move && move.kind === "keyboard" && event.target === move.block &&
        !move.block.classList.contains("saving")) {
      putBack(move);
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (refocusId) {
      var block = document.querySelector(
        '.cal-days [data-event-id="' + window.CSS.escape(refocusId) + '"]'
      );
      refocusId = null;
      if (block && document.activeElement === document.body) {
        block.focus();
      }
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
