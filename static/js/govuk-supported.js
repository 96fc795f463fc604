// Runs first in <body>, before anything is drawn: tells GOV.UK Frontend's styles that its JavaScript is
// on its way, so components are styled for it from the start. A file, not an inline script, so the
// Content Security Policy needs no exception.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
