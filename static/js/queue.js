/* The SAL queue's keyboard and small comforts. Everything here is an enhancement: without it the
   queue still works (the forms post, <details> opens the accept and reject forms).

   j / k   next / previous lead        a   open Accept on the current lead
   /       focus the filters           r   open Reject on the current lead
   Esc     close the open form and return to the lead

   A row arrives with two links; Accept or Reject fetches the row back with both forms (as
   <details>, the chosen one open), so the list stays light however long it is. */
(function () {
  "use strict";

  function leads() {
    return Array.prototype.slice.call(document.querySelectorAll("tbody.lead"));
  }

  function currentLead() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("tbody.lead") : null;
  }

  function focusLead(lead) {
    if (!lead) {
      return;
    }
    var link = lead.querySelector(".lead-link");
    if (link) {
      link.focus();
      lead.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var all = leads();
    if (!all.length) {
      return;
    }
    var index = all.indexOf(currentLead());
    var next = index === -1 ? (step > 0 ? 0 : all.length - 1) : index + step;
    focusLead(all[Math.max(0, Math.min(all.length - 1, next))]);
  }

  function openAction(kind) {
    var lead = currentLead() || leads()[0];
    if (!lead) {
      return;
    }
    var details = lead.querySelector("details.act-" + kind);
    if (details) {
      details.open = true;
      focusFirstField(details);
      return;
    }
    // The forms are not in the row yet: its link fetches them (htmx), or opens them on the
    // queue page without JavaScript.
    var link = lead.querySelector("a[data-act=" + kind + "]");
    if (link) {
      link.click();
    }
  }

  function focusFirstField(root) {
    var field = root.querySelector("select, input:not([type=hidden]), textarea");
    if (field) {
      field.focus();
    }
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (event.key === "Escape") {
      var lead = currentLead();
      var open = lead && lead.querySelector("details.act[open]");
      if (open) {
        open.open = false;
        focusLead(lead);
        event.preventDefault();
      }
      return;
    }
    if (typing(event.target)) {
      return;
    }
    var handlers = {
      j: function () { move(1); },
      k: function () { move(-1); },
      a: function () { openAction("accept"); },
      r: function () { openAction("reject"); },
      "/": function () {
        var filter = document.querySelector("#queue-filters select, #queue-filters input");
        if (filter) {
          filter.focus();
        }
      },
    };
    var handler = handlers[event.key];
    if (handler) {
      event.preventDefault();
      handler();
    }
  });

  // One form open per lead: opening Accept closes Reject and the other way round.
  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (!details.matches || !details.matches("details.act") || !details.open) {
        return;
      }
      var lead = details.closest("tbody.lead");
      lead.querySelectorAll("details.act[open]").forEach(function (other) {
        if (other !== details) {
          other.open = false;
        }
      });
    },
    true
  );

  // The reject form asks for a recycle date or a surviving lead only when the reason needs one.
  function showNeededFields(select) {
    var option = select.options[select.selectedIndex];
    var needs = option ? option.getAttribute("data-needs") : null;
    select.form.querySelectorAll("[data-needed-for]").forEach(function (field) {
      var needed = field.getAttribute("data-needed-for") === needs;
      var invalid = field.querySelector("[aria-invalid=true]");
      field.hidden = !needed && !invalid;
    });
  }

  function prepare(root) {
    root.querySelectorAll("select.reason-select").forEach(showNeededFields);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select.reason-select")) {
      showNeededFields(event.target);
    }
  });

  // Keep the keyboard where the work is: when a row leaves, go to the next one; when a form
  // comes back refused, go to its first problem.
  var leaving = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    leaving = null;
    if (target && target.matches && target.matches("tbody.lead")) {
      var all = leads();
      var index = all.indexOf(target);
      leaving = { id: target.id, next: all[index + 1] || all[index - 1] || null };
    }
  });

  // After the swap (afterRequest fires on a still-attached ancestor when the form has gone).
  document.addEventListener("htmx:afterRequest", function () {
    prepare(document);
    if (leaving) {
      var back = document.getElementById(leaving.id);
      if (!back) {
        focusLead(leaving.next);
      } else {
        var problem = back.querySelector("[aria-invalid=true], .form-errors");
        var opened = back.querySelector("details.act[open]");
        if (problem) {
          if (!problem.matches("select, input, textarea")) {
            problem.setAttribute("tabindex", "-1");
          }
          problem.focus();
        } else if (opened) {
          focusFirstField(opened);
        }
      }
      leaving = null;
      return;
    }
    var autofocus = document.querySelector("#queue-results [data-autofocus]");
    if (autofocus && !autofocus.hasAttribute("data-focused")) {
      autofocus.setAttribute("data-focused", "");
      autofocus.focus();
    }
  });

  // The filters always say what the address says. Back and Forward bring the list back from
  // htmx's history cache, a copy of the page whose selects still mark the options the server
  // first rendered (the filters sit outside the part a filter change replaces), or from the
  // browser's back-forward cache or its memory of form values. Any of them can show
  // "Any tier" over a list of Tier A leads, and the next change would drop the hidden filter.
  function syncFilters() {
    var form = document.getElementById("queue-filters");
    if (!form) {
      return;
    }
    var params = new URLSearchParams(window.location.search);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name) {
        return;
      }
      var given = params.getAll(field.name);
      var value = given.length ? given[given.length - 1] : ""; // Django reads the last one
      if (field.type === "checkbox") {
        field.checked = value !== "" && value.toLowerCase() !== "false";
      } else if (field.tagName === "SELECT") {
        field.value = value;
        if (field.selectedIndex === -1) {
          field.value = ""; // a value the server ignored: it shows the whole choice
        }
      }
    });
  }

  document.addEventListener("htmx:historyRestore", syncFilters);
  window.addEventListener("pageshow", syncFilters);

  function start() {
    prepare(document);
    var autofocus = document.querySelector("[data-autofocus]");
    if (autofocus) {
      autofocus.setAttribute("data-focused", "");
      autofocus.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
