"""«Importa da Excel» (issue 13, §1): the template, a dry run with its report on the page and as
xlsx, then the import, for an Operatrice CAV and her own centre only (app.servizi.importazione).
A run goes on in the background with a progress bar (`lavoro`) that asks `stato` for its state."""
from __future__ import annotations

from flask import Response, abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.rules.importazione import scrivi_resoconto
from app.security import registra_per_le_donne
from app.servizi import importazione

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MSG_SCADUTO = "Il file provato non è più disponibile: caricarlo di nuovo."


class ImportazioneView(BaseView):
    route_base = "/importazione"
    # Importing is writing her women's records; the predicate narrows it to an active CAV operator.
    class_permission_name = "Beneficiaria"
    method_permission_name = {"pagina": "write", "modello": "write", "resoconto": "write", "lavoro": "write",
                              "stato": "write"}
    default_view = "pagina"

    def _verifica(self):
        if not registra_per_le_donne(g.user):
            abort(403)

    def _pagina(self, **contesto):
        contesto = {"lavoro": None, "esito": None, "token": None, "centro": g.user.ente.nome,
                    "mb": importazione.dimensione_massima() // (1024 * 1024)} | contesto
        return self.render_template("lia_importazione.html", **contesto), 200, {"Cache-Control": "no-store"}

    @expose("/", methods=["GET", "POST"])
    @has_access
    def pagina(self):
        self._verifica()
        if request.method == "GET":
            return self._pagina()
        prova = request.form.get("azione") != "importa"
        file = request.files.get("file")
        contenuto = file.read() if file and file.filename else importazione.ritira(request.form.get("token"),
                                                                                   g.user.id)
        if not contenuto:
            flash("Scegliere il file Excel da importare." if not request.form.get("token") else MSG_SCADUTO, "danger")
            return self._pagina()
        importazione.scarta(request.form.get("token"))  # the run keeps its own copy
        lavoro = importazione.avvia(contenuto, g.user, prova)
        return redirect(url_for("ImportazioneView.lavoro", lavoro_id=lavoro))

    @expose("/lavoro/<lavoro_id>")
    @has_access
    def lavoro(self, lavoro_id):
        """The run: its progress bar while it goes, then its outcome."""
        self._verifica()
        stato = importazione.lavoro(lavoro_id, g.user.id)
        if stato is None:
            flash("Questa importazione non è più disponibile: caricare di nuovo il file.", "warning")
            return redirect(url_for("ImportazioneView.pagina"))
        if stato["stato"] == "in_corso":
            return self._pagina(lavoro=stato, lavoro_id=lavoro_id)
        esito = stato["esito"]
        if esito["motivo"]:
            flash(esito["motivo"], "danger")
            return self._pagina()
        if esito["ok"] and not stato["prova"]:
            flash("Importazione completata: " + "; ".join(esito["sintesi"]) + ".", "success")
            return redirect(url_for("ImportazioneView.pagina"))
        return self._pagina(esito=esito, prova=stato["prova"], token=stato["token"])

    @expose("/lavoro/<lavoro_id>/stato")
    @has_access
    def stato(self, lavoro_id):
        """The progress bar's poll: counts and phase only."""
        self._verifica()
        stato = importazione.lavoro(lavoro_id, g.user.id)
        if stato is None:
            return jsonify(message="Importazione non trovata."), 404
        return jsonify({k: stato[k] for k in ("stato", "fase", "fatte", "totale", "percentuale")})

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
            flash(MSG_SCADUTO, "warning")
            return redirect(url_for("ImportazioneView.pagina"))
        esito, motivo = importazione.esegui(contenuto, g.user, prova=True)
        if motivo:
            flash(motivo, "danger")
            return redirect(url_for("ImportazioneView.pagina"))
        return Response(scrivi_resoconto(esito.righe, esito.sintesi()), mimetype=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="resoconto_importazione.xlsx"',
                                 "Cache-Control": "no-store"})


def registra(appbuilder):
    appbuilder.add_view(ImportazioneView, "Importa da Excel", category="Casi", icon="fa-upload")
