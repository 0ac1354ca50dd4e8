"""«Importa da Excel» (issue 13, §1): the template, a dry run with its report on the page and as
xlsx, then the import, for an Operatrice CAV and her own centre only (app.servizi.importazione)."""
from __future__ import annotations

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy.exc import SQLAlchemyError

from app import servizi
from app.rules.importazione import FileNonValido, scrivi_resoconto
from app.security import registra_per_le_donne
from app.servizi import importazione

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORI_SULLA_PAGINA = 100
MSG_CONFLITTO = "Importazione non riuscita: i dati sono in conflitto con dati registrati nel frattempo. Nessun dato importato."


def esegui(contenuto: bytes, utente, prova: bool):
    """The run of the page and the API: (esito, None) or (None, the Italian reason it did not run)."""
    try:
        righe = importazione.leggi(contenuto)
        with servizi.transazione():
            esito = importazione.importa(righe, utente)
            importazione.concludi(esito, utente, prova)
        return esito, None
    except FileNonValido as exc:
        return None, str(exc)
    except SQLAlchemyError:
        return None, MSG_CONFLITTO


class ImportazioneView(BaseView):
    route_base = "/importazione"
    # Importing is writing her women's records; the predicate narrows it to an active CAV operator.
    class_permission_name = "Beneficiaria"
    method_permission_name = {"pagina": "write", "modello": "write", "resoconto": "write"}
    default_view = "pagina"

    def _verifica(self):
        if not registra_per_le_donne(g.user):
            abort(403)

    @expose("/", methods=["GET", "POST"])
    @has_access
    def pagina(self):
        self._verifica()
        esito, token, prova = None, None, True
        if request.method == "POST":
            prova = request.form.get("azione") != "importa"
            file = request.files.get("file")
            contenuto = file.read() if file and file.filename else importazione.ritira(request.form.get("token"),
                                                                                       g.user.id)
            if not contenuto:
                flash("Scegliere il file Excel da importare.", "danger")
            else:
                esito, motivo = esegui(contenuto, g.user, prova)
                if motivo:
                    flash(motivo, "danger")
                elif prova:
                    token = importazione.deposita(contenuto, g.user.id)
                elif esito.ok:
                    importazione.scarta(request.form.get("token"))
                    flash("Importazione completata: " + "; ".join(esito.sintesi()) + ".", "success")
                    return redirect(url_for("ImportazioneView.pagina"))
                else:
                    token = importazione.deposita(contenuto, g.user.id)
        risposta = self.render_template("lia_importazione.html", esito=esito, token=token, prova=prova,
                                        errori=esito.errori[:ERRORI_SULLA_PAGINA] if esito else [],
                                        centro=g.user.ente.nome,
                                        mb=importazione.dimensione_massima() // (1024 * 1024))
        return risposta, 200, {"Cache-Control": "no-store"}

    @expose("/modello")
    @has_access
    def modello(self):
        self._verifica()
        return Response(importazione.modello(), mimetype=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="modello_importazione_lia2.xlsx"'})

    @expose("/resoconto/<token>")
    @has_access
    def resoconto(self, token):
        """The report of the kept file, judged again now (nothing is written)."""
        self._verifica()
        contenuto = importazione.ritira(token, g.user.id)
        if contenuto is None:
            flash("Il file provato non è più disponibile: caricarlo di nuovo.", "warning")
            return redirect(url_for("ImportazioneView.pagina"))
        esito, motivo = esegui(contenuto, g.user, prova=True)
        if motivo:
            flash(motivo, "danger")
            return redirect(url_for("ImportazioneView.pagina"))
        return Response(scrivi_resoconto(esito.righe, esito.sintesi()), mimetype=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="resoconto_importazione.xlsx"',
                                 "Cache-Control": "no-store"})


def registra(appbuilder):
    appbuilder.add_view(ImportazioneView, "Importa da Excel", category="Casi", icon="fa-upload")
