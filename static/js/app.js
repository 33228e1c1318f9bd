/* LeadReview's only script besides htmx. The CSP allows no inline script, so htmx must not
   evaluate code either: no hx-on, no hx-vars/js: values, no script tags in swapped content. */
(function () {
  "use strict";

  htmx.config.allowEval = false;
  htmx.config.allowScriptTags = false;
  // The indicator CSS lives in app.css; htmx's own would be an inline <style> the CSP blocks.
  htmx.config.includeIndicatorStyles = false;
  // A refused form answers 422 with the form and its errors: swap it like a success.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "422", swap: true },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: false, error: true },
  ];

  function flash(text) {
    var box = document.getElementById("flash");
    if (!box) {
      return;
    }
    box.textContent = text;
    box.hidden = false;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : "";
    if (status === 403) {
      flash("You are not allowed to do that. Reload the page to see what you can do.");
    } else {
      flash("Something went wrong (" + status + "). Nothing was changed; reload the page and try again.");
    }
  });

  document.addEventListener("htmx:sendError", function () {
    flash("The server could not be reached. Check your connection and try again.");
  });

  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("flash");
    if (box) {
      box.hidden = true;
    }
  });
})();
