// The drafting form: keep the "In <language>" labels of the translation boxes in step
// with the chosen translation language. Everything else is server-rendered (htmx).
(function () {
  function names() {
    var select = document.getElementById("translation-language");
    if (!select) return;
    var name = select.options[select.selectedIndex].text.replace(/ \(.*\)$/, "");
    document.querySelectorAll(".tlang-name").forEach(function (el) { el.textContent = "In " + name; });
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "translation-language") names();
  });
})();
