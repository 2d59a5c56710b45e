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

  // Time grid: events are placed by minute from data attributes (CSP allows setting
  // element.style from a script, not inline style attributes).
  function placeGridItems(root) {
    var items = (root || document).querySelectorAll("[data-grid-top]");
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      var style = item.style;
      style.setProperty("--top", item.dataset.gridTop);
      style.setProperty("--height", item.dataset.gridHeight);
      style.setProperty("--lane", item.dataset.gridLane || "0");
      style.setProperty("--lanes", item.dataset.gridLanes || "1");
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
