/* Suggestions under a search box, as the reader types.
 *
 * Enhances every <form data-suggest> that has an <input name="q">: after a pause in
 * typing, it asks the service for titles (GET api/suggest, relative to the form's action,
 * so the same script serves this site and the public site that embeds the box) and shows
 * them in a list under the box. It never writes into the box itself: inline completion
 * fights Vietnamese input methods, which rewrite the letters just typed. Keyboard: up and
 * down move through the list, Enter opens the chosen article, Escape closes the list.
 * Without this script the form still searches.
 */
(function () {
  "use strict";

  var DELAY_MS = 200;
  var MIN_CHARS = 2;
  var counter = 0;

  function enhance(form) {
    var input = form.querySelector('input[name="q"]');
    if (!input || form.hasAttribute("data-suggest-ready")) {
      return;
    }
    form.setAttribute("data-suggest-ready", "");
    var base = new URL(".", new URL(form.getAttribute("action") || ".", document.baseURI));
    var id = "ss-suggestions-" + ++counter;
    var list = document.createElement("ul");
    list.id = id;
    list.className = "ss-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Gợi ý");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "ss-status";
    status.setAttribute("role", "status");
    form.classList.add("ss-box");
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", id);
    input.setAttribute("aria-expanded", "false");

    var timer = null;
    var controller = null;
    var active = -1;
    var composing = false;
    var lastAsked = "";

    function options() {
      return list.querySelectorAll('[role="option"]');
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(index) {
      var all = options();
      if (!all.length) {
        return;
      }
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function show(suggestions) {
      close();
      suggestions.forEach(function (suggestion, i) {
        var item = document.createElement("li");
        item.id = id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var link = document.createElement("a");
        link.href = new URL("articles/" + encodeURIComponent(suggestion.id), base).href;
        link.textContent = suggestion.text;
        link.tabIndex = -1;
        item.appendChild(link);
        list.appendChild(item);
      });
      status.textContent = suggestions.length ? suggestions.length + " gợi ý" : "";
      if (suggestions.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function ask() {
      var typed = input.value.trim();
      if (typed === lastAsked) {
        return;
      }
      lastAsked = typed;
      if (controller) {
        controller.abort();
      }
      if (typed.length < MIN_CHARS) {
        close();
        return;
      }
      controller = new AbortController();
      var url = new URL("api/suggest", base);
      url.searchParams.set("q", typed);
      fetch(url.href, { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : [];
        })
        .then(function (suggestions) {
          if (input.value.trim() === typed && document.activeElement === input) {
            show(suggestions);
          }
        })
        .catch(function () {
          /* Aborted or offline: the form still searches. */
        });
    }

    function later() {
      clearTimeout(timer);
      if (!composing) {
        timer = setTimeout(ask, DELAY_MS);
      }
    }

    input.addEventListener("input", later);
    input.addEventListener("compositionstart", function () {
      composing = true;
    });
    input.addEventListener("compositionend", function () {
      composing = false;
      later();
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        choose(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = options()[active].querySelector("a").href;
      }
    });
    // A press on a suggestion keeps the focus in the box, so that the list stays open
    // until the click reaches the suggestion's link.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    input.addEventListener("blur", close);
    input.addEventListener("focus", function () {
      lastAsked = "";
    });
  }

  function start() {
    document.querySelectorAll("form[data-suggest]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
