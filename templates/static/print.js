/*
 * Print buttons (issue 16): a button with data-print="" prints the page,
 * data-print="ID" only the element with that id (one notice of the
 * status page). The buttons are hidden in the HTML and shown here, so
 * that without this script nobody sees a button that does nothing; the
 * browser's own print menu still works. The page's CSP allows scripts
 * from 'self' only, hence this file rather than an onclick attribute.
 */
(function () {
	'use strict';

	function clear() {
		document.body.classList.remove('print-one');
		var marked = document.querySelectorAll('.print-target');
		for (var i = 0; i < marked.length; i++)
			marked[i].classList.remove('print-target');
	}

	function printFor(button) {
		clear();
		var id = button.getAttribute('data-print');
		var target = id ? document.getElementById(id) : null;
		if (target) {
			document.body.classList.add('print-one');
			target.classList.add('print-target');
		}
		window.print();
	}

	document.addEventListener('DOMContentLoaded', function () {
		var buttons = document.querySelectorAll('button[data-print]');
		for (var i = 0; i < buttons.length; i++) {
			var button = buttons[i];
			button.hidden = false;
			button.addEventListener('click', printFor.bind(null, button));
		}
	});
	window.addEventListener('afterprint', clear);
})();
