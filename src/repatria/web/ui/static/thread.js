// The conversation's upload forms (templates/_thread_forms.html): documents too large to
// travel with one message are refused here, before anything is sent, with the same words
// the server uses; the server checks again (service/attachments.py).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var input = form.querySelector && form.querySelector('input[type="file"][name="files"]');
  if (!input || !input.files) { return; }
  var limit = Number(input.getAttribute("data-limit"));
  var total = 0;
  for (var i = 0; i < input.files.length; i++) { total += input.files[i].size; }
  var shown = form.querySelector(".upload-error");
  if (total > limit) {
    event.preventDefault();
    event.stopPropagation();
    shown.textContent = "The documents come to " + total.toLocaleString("en") +
      " bytes; at most " + Math.floor(limit / 1024) + " KiB in all travel with a message." +
      " Larger evidence travels by the evidence transfer (issue 15).";
    shown.hidden = false;
  } else if (shown) {
    shown.hidden = true;
  }
}, true);
