/*
 * The helpline call form, by keyboard (templates/requests/helpline/call.html).
 *
 * - In the lookup box: the down arrow, or Enter, goes to the results (Enter searches first if needed);
 *   in the results the arrow keys move between them, Enter uses one, Escape goes back to the box.
 * - Enter in any other field does not submit half a call; Ctrl + Enter (or Cmd + Enter) saves it.
 * - After a live update, focus goes where the next keystroke belongs: the needs after choosing a record,
 *   the lookup box after "Change".
 * - With live results, Find leaves the tab order; a name looked up and not found fills in the new
 *   resident's first and last names when the operator reaches them.
 * - Conditional questions (caller on someone's behalf, language, no consent, safeguarding) open and close
 *   the same way whether or not GOV.UK Frontend has initialised the content HTMX swapped in.
 *
 * Without this file (or without JavaScript) the form still works: Find, the result buttons and Change
 * are ordinary submit buttons and the server renders the same partials into the page.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-call-form]");
  if (!form) {
    return;
  }
  var focusAfterSwap = null;

  function lookupBox() {
    return form.querySelector("[data-lookup]");
  }

  function results() {
    return Array.prototype.slice.call(form.querySelectorAll("#lookup-results [data-result]"));
  }

  function resultsAreFor(query) {
    var list = form.querySelector("#lookup-results [data-results]");
    return list !== null && list.getAttribute("data-query") === query.trim();
  }

  function focusFirstResult() {
    var found = results();
    if (found.length) {
      found[0].focus();
      return true;
    }
    return false;
  }

  function save() {
    var button = form.querySelector("[data-save]");
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(button);
    } else {
      button.click();
    }
  }

  function syncConditionals(scope) {
    var inputs = scope.querySelectorAll(
      "input[type=radio][data-aria-controls], input[type=radio][aria-controls], " +
        "input[type=checkbox][data-aria-controls], input[type=checkbox][aria-controls]"
    );
    Array.prototype.forEach.call(inputs, function (input) {
      var id = input.getAttribute("aria-controls") || input.getAttribute("data-aria-controls");
      var panel = document.getElementById(id);
      if (!panel) {
        return;
      }
      var hidden = panel.classList.contains("govuk-radios__conditional")
        ? "govuk-radios__conditional--hidden"
        : "govuk-checkboxes__conditional--hidden";
      panel.classList.toggle(hidden, !input.checked);
      input.setAttribute("aria-expanded", input.checked ? "true" : "false");
    });
  }

  function initialiseGovukComponents(scope) {
    var frontend = window.GOVUKFrontend;
    if (frontend && typeof frontend.initAll === "function") {
      try {
        frontend.initAll({ scope: scope });
      } catch (error) {
        // Components already initialised: the conditional reveals below still work.
      }
    }
  }

  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      save();
      return;
    }
    if (target.matches("[data-lookup]")) {
      if (event.key === "ArrowDown" && focusFirstResult()) {
        event.preventDefault();
      } else if (event.key === "Enter" && window.htmx) {
        event.preventDefault();
        if (!(resultsAreFor(target.value) && focusFirstResult())) {
          focusAfterSwap = "results";
          window.htmx.trigger(target, "search");
        }
      }
      return;
    }
    if (target.matches("[data-result]")) {
      var found = results();
      var index = found.indexOf(target);
      if (event.key === "ArrowDown" && index < found.length - 1) {
        event.preventDefault();
        found[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        (index > 0 ? found[index - 1] : lookupBox()).focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        lookupBox().focus();
      }
      return;
    }
    // Enter in a field would submit the form with its first button (Find) and reload the page mid-call.
    if (event.key === "Enter" && target.tagName === "INPUT" && target.type !== "submit") {
      event.preventDefault();
    }
  });

  // A name that found nobody is the new resident's name: fill it in rather than have it typed twice.
  form.addEventListener("focusin", function (event) {
    if (event.target.name !== "first_name") {
      return;
    }
    var first = event.target;
    var last = form.querySelector("input[name=last_name]");
    var none = form.querySelector("#lookup-results [data-none-found]");
    var query = none ? none.getAttribute("data-query") : "";
    if (!query || /\d/.test(query) || first.value || (last && last.value)) {
      return;
    }
    var words = query.trim().split(/\s+/).map(function (word) {
      return word.charAt(0).toUpperCase() + word.slice(1);
    });
    if (words.length < 2) {
      return; // one word may be either name
    }
    first.value = words[0];
    if (last) {
      last.value = words.slice(1).join(" ");
    }
    first.select();
  });

  form.addEventListener("change", function (event) {
    if (event.target.matches("input[type=radio], input[type=checkbox]")) {
      syncConditionals(form);
    }
  });

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (element.matches("[data-result]")) {
      focusAfterSwap = "needs";
    } else if (element.matches("[data-change-resident]")) {
      focusAfterSwap = "lookup";
    } else if (element.matches("[data-find]")) {
      focusAfterSwap = "results";
    }
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var section = form.querySelector("[data-resident-section]");
    var swapped = event.detail.target ? event.detail.target.id : "";
    if (swapped === "resident-section" || swapped === "about-section") {
      // An outerHTML swap reports the element it replaced: initialise the one now in the page.
      initialiseGovukComponents(document.getElementById(swapped));
      syncConditionals(form);
    }
    var wanted = focusAfterSwap;
    focusAfterSwap = null;
    if (wanted === "results") {
      focusFirstResult();
    } else if (wanted === "needs" && section && section.hasAttribute("data-picked")) {
      var need = form.querySelector("input[name=categories]");
      if (need) {
        need.focus();
      }
    } else if (wanted === "lookup" && lookupBox()) {
      lookupBox().focus();
    }
  });

  function liveFind() {
    var find = form.querySelector("[data-find]");
    if (find && window.htmx) {
      find.setAttribute("tabindex", "-1");
    }
  }

  document.body.addEventListener("htmx:load", liveFind);
  liveFind();
  syncConditionals(form);
  var summary = document.querySelector(".govuk-error-summary");
  if (summary && document.activeElement === document.body) {
    summary.focus();
  }
})();
