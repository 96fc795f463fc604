// The triage pages' live parts, without inline script (the Content Security Policy forbids it).
//
// The queue's rows refresh themselves every 15 seconds (hx-trigger on #queue-rows). A refresh is skipped
// while the person is working in the filter form the rows name in data-pause-while-editing, so that
// the list never moves under someone choosing what to see.
(function () {
  "use strict";

  function editing(formId) {
    var form = document.getElementById(formId);
    var active = document.activeElement;
    if (!form || !active || active === document.body) {
      return false;
    }
    return form.contains(active) || active.form === form;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    if (!source || !source.getAttribute) {
      return;
    }
    var formId = source.getAttribute("data-pause-while-editing");
    if (formId && editing(formId)) {
      event.preventDefault();
    }
  });
})();
