/* The header's search box: Ctrl-K (Cmd-K on a Mac) focuses it from anywhere, even from another
   field, and selects what it holds so typing replaces it. `/` stays the queue's filter key
   (queue.js). Without JavaScript the box is a plain GET form. */
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) {
      return;
    }
    if (event.key !== "k" && event.key !== "K") {
      return;
    }
    var box = document.getElementById("header-search");
    if (!box) {
      return;
    }
    event.preventDefault();
    box.focus();
    box.select();
  });

  // Tell Mac users their own shortcut.
  var keys = document.getElementById("header-search-keys");
  if (keys && /Mac|iPhone|iPad/.test(navigator.platform || "")) {
    keys.textContent = "⌘ K";
  }
})();
