// The hub's JavaScript, loaded as a module (browsers too old for modules get the no-JavaScript pages,
// which work for every core flow). It starts GOV.UK Frontend's components on the page, and again in
// every fragment htmx swaps in.
// The import names the file without collectstatic's hash (rewriting module imports breaks third-party
// scripts); WhiteNoise serves it under that name too, with a short cache.
import { initAll } from "../dist/govuk-frontend.min.js";

initAll();

document.addEventListener("htmx:load", (event) => {
  // htmx also fires this for <body> on its first load, which initAll() has just covered.
  if (event.target !== document.body) {
    initAll({ scope: event.target });
  }
});
