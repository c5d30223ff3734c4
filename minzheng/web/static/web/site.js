/* Behaviour for every page, wired by data- attributes (the CSP forbids inline handlers).
 *   data-submit-on-change  on a form control: submit its form when the value changes
 *   data-confirm="text"    on a submit button: ask first, submit only if confirmed
 *   data-print             on a button: print the page (print CSS hides the menu and forms)
 */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var control = event.target;
    if (control.form && control.hasAttribute("data-submit-on-change")) {
      control.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    var printer = event.target.closest ? event.target.closest("[data-print]") : null;
    if (printer) {
      event.preventDefault();
      window.print();
    }
  });
})();
