// The dashboard's own behaviour on top of htmx; loaded on every page, no inline scripts.
(function () {
  "use strict";
  document.documentElement.classList.add("js"); // the time grid places events only with JS

  // Errors in place under every setting. Form errors, conflicts and an unreachable calendar
  // come back as 400/409/503 fragments that htmx swaps into their form (see the htmx-config
  // meta tag). With DEBUG on, django-htmx's debug script would replace the whole document with
  // any such answer; it listens on the document while bubbling, so this capture listener lets
  // only Django's own error pages (whole documents) reach it.
  document.addEventListener(
    "htmx:beforeOnLoad",
    function (event) {
      var xhr = event.detail.xhr;
      var inPlace = xhr.status === 400 || xhr.status === 409 || xhr.status === 503;
      if (inPlace && !/<html[\s>]/i.test(xhr.responseText)) {
        event.stopPropagation();
      }
    },
    true
  );

  // Calendar: say so when the device's time zone is not the business's.
  function showZoneNotice() {
    var notice = document.getElementById("tz-notice");
    var device = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (notice && device && device !== notice.dataset.businessZone) {
      notice.querySelector(".tz-device").textContent = device;
      notice.hidden = false;
      // The notice names the zone already: the calendar's own "Times in …" line steps aside.
      document.querySelectorAll(".cal-zone").forEach(function (line) {
        line.hidden = true;
      });
    }
  }

  // Time grid: each block (and shaded time outside working hours) is placed from its ISO start
  // and end on its column's day (data-day) and the grid's hours (data-from, data-to), beside
  // the blocks it overlaps (data-l: "lane lanes", laid out by the server). CSP allows setting
  // element.style from a script, not inline style attributes.
  var MIN_BLOCK_MINUTES = 20; // calendar_app/layouts/lanes.py MIN_HEIGHT_MINUTES
  function minutesOn(iso, day) {
    var date = iso.slice(0, 10);
    if (date < day) {
      return 0;
    }
    if (date > day) {
      return 1440;
    }
    return Number(iso.slice(11, 13)) * 60 + Number(iso.slice(14, 16));
  }
  function placeGridItems(root) {
    var grids = (root || document).querySelectorAll(".cal-days[data-from]");
    for (var g = 0; g < grids.length; g++) {
      var from = Number(grids[g].dataset.from) * 60;
      var to = Number(grids[g].dataset.to) * 60;
      var columns = grids[g].querySelectorAll(".cal-day[data-day]");
      for (var c = 0; c < columns.length; c++) {
        var day = columns[c].dataset.day;
        var items = columns[c].querySelectorAll(".cal-timeline > [data-start]");
        for (var i = 0; i < items.length; i++) {
          var item = items[i];
          var begin = Math.max(minutesOn(item.dataset.start, day), from);
          var end = Math.min(minutesOn(item.dataset.end, day), to);
          if (item.classList.contains("cal-event")) {
            end = Math.max(end, begin + MIN_BLOCK_MINUTES);
          }
          var lanes = (item.dataset.l || "0 1").split(" ");
          var style = item.style;
          style.setProperty("--top", begin - from);
          style.setProperty("--height", Math.max(end - begin, 0));
          style.setProperty("--lane", lanes[0]);
          style.setProperty("--lanes", lanes[1]);
        }
        var now = columns[c].querySelector(".cal-now[data-now]");
        if (now) {
          now.style.setProperty("--top", now.dataset.now);
        }
      }
    }
  }

  // Participant dashboard: a row added while later pages were still unloaded sits at the end
  // of the loaded rows; when "Load more" brings the page that really holds it, the earlier
  // copy goes, so every participant is listed once and in order.
  function dropRepeatedRows() {
    var body = document.getElementById("participations-body");
    if (!body) {
      return;
    }
    var seen = {};
    var rows = body.querySelectorAll("tr[id]");
    for (var i = rows.length - 1; i >= 0; i--) {
      if (seen[rows[i].id]) {
        rows[i].remove();
      } else {
        seen[rows[i].id] = true;
      }
    }
  }

  // New event: picking a schedule fills title, place and capacity with its defaults. A field
  // the person typed into keeps what they typed; one still holding the previous schedule's
  // default takes the new one.
  var PREFILLED = ["title", "location_name", "location_address", "capacity"];
  function prefillFromSchedule(select) {
    var defaults = JSON.parse(select.dataset.defaults || "{}")[select.value];
    if (!defaults || !select.form) {
      return;
    }
    PREFILLED.forEach(function (name) {
      var field = select.form.elements[name];
      if (field && (field.value === "" || field.value === field.dataset.prefilled)) {
        field.value = defaults[name];
        field.dataset.prefilled = defaults[name];
      }
    });
  }
  function prefillSchedules(root) {
    (root || document).querySelectorAll("select[data-defaults]").forEach(prefillFromSchedule);
  }

  // Calendar: on a phone the filters fold behind their "Filters" summary so the calendar is on
  // the first screen; the disclosure stays as the person last left it across HTMX navigation.
  // Without scripts (or on a wide screen) it is open.
  var phone = window.matchMedia("(max-width: 700px)");
  var filtersOpenOnPhone = false;
  function foldFilters() {
    var box = document.querySelector("details.cal-filters");
    if (box && !box.dataset.folded) {
      box.dataset.folded = "1";
      box.open = !phone.matches || filtersOpenOnPhone;
    }
  }
  document.addEventListener(
    "toggle",
    function (event) {
      var box = event.target;
      if (box.matches && box.matches("details.cal-filters") && phone.matches) {
        filtersOpenOnPhone = box.open;
      }
    },
    true
  );
  phone.addEventListener("change", function () {
    var box = document.querySelector("details.cal-filters");
    if (box) {
      box.open = !phone.matches || filtersOpenOnPhone;
    }
  });

  // The business switcher submits as soon as another business is picked (the form has a
  // button for when scripts are off).
  document.addEventListener("change", function (event) {
    if (event.target.id === "business-switch") {
      event.target.form.submit();
    } else if (event.target.matches("select[data-defaults]")) {
      prefillFromSchedule(event.target);
    }
  });

  function ready() {
    foldFilters();
    prefillSchedules(document);
    showZoneNotice();
    placeGridItems(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
  document.addEventListener("htmx:afterSettle", function () {
    dropRepeatedRows();
    foldFilters();
    showZoneNotice();
    placeGridItems(document);
  });
})();
