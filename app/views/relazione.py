"""The relazione finale (issue 13, §3): the capofila writes the text of each section, then
downloads the Word document with the numbers read from the data."""
from __future__ import annotations

from datetime import datetime

from flask import Response, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.servizi import Rifiuto, relazione, transazione
from app.servizi.relazione import RISORSA_RELAZIONE

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class RelazioneFinaleView(BaseView):
    route_base = "/relazione-finale"
    class_permission_name = RISORSA_RELAZIONE
    method_permission_name = {"index": "read", "salva": "write", "scarica": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("lia_relazione.html", sezioni=relazione.testi(), errori={})

    @expose("/", methods=["POST"])
    @has_access
    def salva(self):
        sezioni = relazione.testi()
        nuovi = {}
        for s in sezioni:
            if f"testo_{s['sezione']}" not in request.form:
                continue
            try:
                versione = int(request.form.get(f"versione_{s['sezione']}", ""))
            except ValueError:
                versione = -1  # a tampered form: refused as changed by someone else
            nuovi[s["sezione"]] = {"testo": request.form[f"testo_{s['sezione']}"], "versione": versione}
        try:
            with transazione():
                cambiati = relazione.salva_testi(nuovi, g.user)
        except Rifiuto as exc:
            for motivi in exc.per_campo.values():
                for motivo in motivi:
                    flash(motivo, "danger")
            # The page again with what she typed, so nothing is lost.
            for s in sezioni:
                if s["sezione"] in nuovi:
                    s["testo"] = nuovi[s["sezione"]]["testo"]
            return self.render_template("lia_relazione.html", sezioni=sezioni, errori=exc.per_campo), 409
        if cambiati:
            flash("Relazione finale salvata: " + ("1 sezione modificata." if cambiati == 1
                                                    else f"{cambiati} sezioni modificate."), "success")
        else:
            flash("Nessuna modifica da salvare.", "info")
        return redirect(url_for("RelazioneFinaleView.index"))

    @expose("/scarica")
    @has_access
    def scarica(self):
        return risposta_docx()


def risposta_docx() -> Response:
    """The document as a download, for the page and the API alike."""
    ora = datetime.now()
    return Response(relazione.docx(ora), mimetype=DOCX, headers={
        "Content-Disposition": f'attachment; filename="relazione-finale-lia2-{ora:%Y%m%d}.docx"'})


def registra(appbuilder):
    appbuilder.add_view(RelazioneFinaleView, "Relazione finale", category="Contabilità")
