// Calendar blocks: the full details of an event in a popover on hover, keyboard focus or a
// long press, fetched on demand from the event's small "peek" fragment (the week's HTML stays
// light). One popover element serves every block; the focused block points at it with
// aria-describedby, so screen readers read the details after the block's own text.
(function () {
  "use strict";
  var LONG_PRESS_MS = 500;
  var HOVER_DELAY_MS = 250;
  var cache = {};
  var current = null;
  var hoverTimer = null;
  var pressTimer = null;
  var pressedOpen = false;

  function popover() {
    return document.getElementById("cal-peek");
  }

  function blockOf(node) {
    return node && node.closest ? node.closest(".cal-event[data-event-id]") : null;
  }

  function place(box, block) {
    var rect = block.getBoundingClientRect();
    var width = box.offsetWidth;
    var left = Math.min(rect.left, window.innerWidth - width - 8);
    var top = rect.bottom + 4;
    if (top + box.offsetHeight > window.innerHeight - 8) {
      top = Math.max(8, rect.top - box.offsetHeight - 4);
    }
    box.style.left = Math.max(8, left) + "px";
    box.style.top = top + "px";
  }

  function show(block) {
    var box = popover();
    if (!box || !block) {
      return;
    }
    hide();
    current = block;
    var id = block.dataset.eventId;
    var url = block.getAttribute("href").replace(/\/?$/, "/") + "peek/";
    function fill(html) {
      if (current !== block) {
        return;
      }
      box.innerHTML = html;
      block.setAttribute("aria-describedby", "cal-peek");
      if (box.showPopover && !box.matches(":popover-open")) {
        box.showPopover();
      }
      box.hidden = false;
      place(box, block);
    }
    if (cache[id]) {
      fill(cache[id]);
      return;
    }
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        if (html) {
          cache[id] = html;
          fill(html);
        }
      })
      .catch(function () {});
  }

  function hide() {
    var box = popover();
    if (current) {
      current.removeAttribute("aria-describedby");
    }
    current = null;
    if (box && box.hidePopover && box.matches(":popover-open")) {
      box.hidePopover();
    }
  }

  document.addEventListener("focusin", function (event) {
    var block = blockOf(event.target);
    if (block) {
      show(block);
    } else if (current) {
      hide();
    }
  });
  document.addEventListener("focusout", function (event) {
    if (blockOf(event.target) === current && !pressedOpen) {
      hide();
    }
  });
  document.addEventListener("mouseover", function (event) {
    var block = blockOf(event.target);
    if (!block || block === current) {
      return;
    }
    clearTimeout(hoverTimer);
    hoverTimer = setTimeout(function () {
      show(block);
    }, HOVER_DELAY_MS);
  });
  document.addEventListener("mouseout", function (event) {
    var block = blockOf(event.target);
    if (block && !block.contains(event.relatedTarget)) {
      clearTimeout(hoverTimer);
      if (block === current && document.activeElement !== block) {
        hide();
      }
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && current) {
      hide();
    }
  });

  // Long press (touch): the details instead of following the link.
  document.addEventListener(
    "touchstart",
    function (event) {
      var block = blockOf(event.target);
      pressedOpen = false;
      if (!block) {
        if (current) {
          hide();
        }
        return;
      }
      pressTimer = setTimeout(function () {
        pressedOpen = true;
        show(block);
      }, LONG_PRESS_MS);
    },
    { passive: true }
  );
  function cancelPress() {
    clearTimeout(pressTimer);
  }
  document.addEventListener("touchend", cancelPress);
  document.addEventListener("touchmove", cancelPress, { passive: true });
  document.addEventListener(
    "click",
    function (event) {
      if (pressedOpen && blockOf(event.target)) {
        event.preventDefault(); // the long press showed the details; a tap follows the link
        pressedOpen = false;
      }
    },
    true
  );
  document.addEventListener("contextmenu", function (event) {
    if (pressedOpen && blockOf(event.target)) {
      event.preventDefault();
    }
  });

  // A grid swapped in place (navigation, a move) may hold new revisions: forget the details.
  document.addEventListener("htmx:afterSwap", function (event) {
    cache = {};
    hide();
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("cal-cell")) {
      var list = target.querySelector(".cal-daylist");
      if (list) {
        list.focus(); // "+N more" opened the day's list in place: reading goes on from there
      }
    }
  });
})();
