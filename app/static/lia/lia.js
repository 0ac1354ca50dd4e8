// Accessibility (issue 11 §13): select2 hides the <select> behind a box that screen readers
// announce without a name; give each box the label of its field.
$(function () {
    $('select').each(function () {
        if (!this.id) { return; }
        var etichetta = $('label[for="' + this.id + '"]').first().text().replace(/\*/g, '').trim();
        if (etichetta) {
            $('#select2-' + this.id + '-container').attr('aria-label', etichetta);
            $(this).next('.select2').find('.select2-selection').attr('aria-label', etichetta);
        }
    });
});

// The print pages' button (an inline handler would be refused by the Content-Security-Policy).
$(function () {
    $('[data-lia-stampa]').on('click', function () { window.print(); });
});

// The bell's number (issue 11 §15), asked once the page is shown: counting the reminders builds
// the home page's lists, which no other page should wait for.
$(function () {
    var campanella = $('#lia-promemoria');
    if (!campanella.length) { return; }
    $.ajax({url: campanella.data('conteggio'), dataType: 'json', cache: false}).done(function (dati) {
        var n = parseInt(dati.conteggio, 10) || 0;
        campanella.attr('aria-label', 'Promemoria: ' + n);
        campanella.find('.lia-badge-promemoria').text(n).prop('hidden', n === 0);
        campanella.attr('data-caricata', '1');
    });
});

// The totals above the spese list (issue 14): summing every spesa the filters select is the
// page's slowest statement, so the rows are shown first and the totals asked for afterwards.
$(function () {
    var totali = $('#totali-spese[data-url]');
    if (!totali.length) { return; }
    $.ajax({url: totali.data('url'), dataType: 'json', cache: false}).done(function (dati) {
        totali.text(dati.testo).attr('data-caricati', '1');
    }).fail(function () {
        totali.text('Totali non disponibili: ricaricare la pagina.');
    });
});
