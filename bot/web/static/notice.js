/* The notice page's one control: print (the browser's print dialog, with the A4 print stylesheet). */
(function () {
  'use strict';
  const button = document.getElementById('print');
  if (button) button.addEventListener('click', () => window.print());
})();
