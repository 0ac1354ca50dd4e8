/* One date picker on every page (issue 11 §4): gg/mm/aaaa, Italian names, weeks from Monday.
   It acts on the boxes drawn by app/views/date_italiane.py (class lia-data), also those the list
   filters add later; FAB's ab.js forces yyyy-mm-dd on its own .appbuilder_date boxes. */
(function ($) {
  "use strict";
  if (!$ || !$.fn.datepicker) { return; }
  $.fn.datepicker.dates.it = {
    days: ["Domenica", "Lunedì", "Martedì", "Mercoledì", "Giovedì", "Venerdì", "Sabato"],
    daysShort: ["Dom", "Lun", "Mar", "Mer", "Gio", "Ven", "Sab"],
    daysMin: ["Do", "Lu", "Ma", "Me", "Gi", "Ve", "Sa"],
    months: ["Gennaio", "Febbraio", "Marzo", "Aprile", "Maggio", "Giugno", "Luglio", "Agosto", "Settembre",
             "Ottobre", "Novembre", "Dicembre"],
    monthsShort: ["Gen", "Feb", "Mar", "Apr", "Mag", "Giu", "Lug", "Ago", "Set", "Ott", "Nov", "Dic"],
    today: "Oggi", clear: "Cancella", monthsTitle: "Mesi", weekStart: 1, format: "dd/mm/yyyy"
  };
  var OPZIONI = {
    format: "dd/mm/yyyy", language: "it", weekStart: 1, autoclose: true, todayHighlight: true,
    // What she types stays as typed: the server reads it, or says in Italian why it cannot.
    forceParse: false, keyboardNavigation: false, showOnFocus: true
  };

  function calendario(casella) {
    var $c = $(casella);
    if (!$c.data("datepicker")) { $c.datepicker(OPZIONI); }
    return $c;
  }

  $(document).on("focus", ".lia-data input", function () { calendario(this).datepicker("show"); });
  $(document).on("click", ".lia-data .input-group-addon", function () {
    calendario($(this).closest(".lia-data").find("input")[0]).trigger("focus").datepicker("show");
  });
})(window.jQuery);
