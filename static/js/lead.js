/* The lead page's checklist autosave: a visible state per item, and nothing typed is lost.

   htmx posts each item's form as the AE types (hx-trigger on the form) and swaps only the item's
   status line, never its fields, so the text stays where it was typed whatever the answer.
   A save counts only when the response carries X-Autosave: an expired session is redirected to
   the login page, which would otherwise arrive as a 200 and look like success. */
(function () {
  "use strict";

  var SAVED_HEADER = "X-Autosave";

  function formOf(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.closest ? elt.closest("form[data-autosave]") : null;
  }

  function statusOf(form) {
    return form.querySelector(".autosave-state");
  }

  function show(form, state, text) {
    form.dataset.state = state;
    var status = statusOf(form);
    if (status) {
      status.dataset.state = state;
      status.textContent = text;
    }
  }

  function failed(form, why) {
    show(form, "failed", "Not saved — " + why + " Your text is kept here; press Save to retry.");
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosave]");
    if (form) {
      show(form, "dirty", "Unsaved changes…");
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event);
    if (form) {
      show(form, "saving", "Saving…");
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = formOf(event);
    if (!form) {
      return;
    }
    var xhr = event.detail.xhr;
    if (xhr.status === 422) {
      form.dataset.state = "failed";
      return; // the server's own message replaces the status line
    }
    if (xhr.status < 300 && !xhr.getResponseHeader(SAVED_HEADER)) {
      event.detail.shouldSwap = false;
      failed(form, "your session has expired. Log in again in another tab.");
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var form = formOf(event);
    if (form && event.detail.xhr.getResponseHeader(SAVED_HEADER)) {
      form.dataset.state = "saved";
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var form = formOf(event);
    if (!form) {
      return;
    }
    var status = event.detail.xhr.status;
    if (status === 401 || status === 403) {
      failed(form, "you are signed out or not allowed (" + status + ").");
    } else {
      failed(form, "the server answered " + status + ".");
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var form = formOf(event);
    if (form) {
      failed(form, "the server could not be reached.");
    }
  });

  // Leaving with an unsaved or failed item asks first.
  window.addEventListener("beforeunload", function (event) {
    var pending = document.querySelector(
      'form[data-autosave][data-state="failed"], form[data-autosave][data-state="dirty"]'
    );
    if (pending) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
