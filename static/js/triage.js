// The triage pages' live parts, without inline script (the Content Security Policy forbids it).
//
// The queue's rows refresh themselves every 15 seconds (hx-trigger on #queue-rows). A refresh is skipped
// - while the person is working in the filter form the rows name in data-pause-while-editing, so that
//   the list never moves under someone choosing what to see;
// - while keyboard focus is inside the rows themselves, so that swapping them never throws focus away;
// - while the tab is hidden: a coordinator keeps the queue open all day, and the next tick after they
//   come back refreshes it.
(function () {
  "use strict";

  function focusWithin(element) {
    var active = document.activeElement;
    return !!element && !!active && active !== document.body && (element.contains(active) || active.form === element);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    if (!source || !source.getAttribute) {
      return;
    }
    var formId = source.getAttribute("data-pause-while-editing");
    if (!formId) {
      return;
    }
    if (document.hidden || focusWithin(document.getElementById(formId)) || focusWithin(source)) {
      event.preventDefault();
    }
  });
})();
