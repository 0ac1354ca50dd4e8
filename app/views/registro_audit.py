"""Screens of the audit trail: the Amministratore's search and download, and the tab "Chi ha
consultato i suoi dati" of a woman's page, for the CAV holding her. Read only: no route adds,
edits or deletes a row, for anyone (include_route_methods lists every route there is)."""
from __future__ import annotations

import io
from datetime import date

from flask import g, send_file
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.urltools import get_filter_args
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import Optional

from app import audit
from app.extensions import db
from app.models import Ente
from app.models.audit import AuditEvento
from app.rules.audit import scrivi_registro
from app.security import vede_chi_ha_consultato
from app.views import InterfacciaLia, LiaModelView, formatta

_ETICHETTE = {
    "id": "N.", "quando": "Quando (UTC)", "username": "Utente", "utente_id": "Id utente", "ente": "Ente",
    "azione": "Azione", "tipo_record": "Tipo di record", "record_id": "Id record", "codici": "Codici beneficiarie",
    "ip": "IP", "request_id": "Richiesta", "dettaglio": "Dettaglio", "hash_precedente": "Hash precedente",
    "hash": "Hash",
}


def _al_secondo(d):
    return d.strftime("%d/%m/%Y %H:%M:%S")


class AuditView(LiaModelView):
    datamodel = InterfacciaLia(AuditEvento, carica=["ente"])
    class_permission_name = "Audit"
    base_permissions = ["can_read"]
    method_permission_name = {"list": "read", "show": "read", "scarica": "read"}
    include_route_methods = {"list", "show", "scarica"}
    list_template = "lia_audit_list.html"
    list_title = "Registro di audit"
    show_title = "Evento del registro di audit"
    list_columns = ["id", "quando", "username", "ente", "azione", "tipo_record", "record_id", "codici"]
    show_columns = ["id", "quando", "utente_id", "username", "ente", "azione", "tipo_record", "record_id", "codici",
                    "ip", "request_id", "dettaglio", "hash_precedente", "hash"]
    search_columns = ["username", "ente", "azione", "quando", "tipo_record", "codici"]
    search_form_extra_fields = {"azione": SelectField("Azione", choices=list(audit.AZIONI.items()),
                                                      validators=[Optional()])}
    order_columns = ["id", "quando"]
    base_order = ("id", "desc")
    label_columns = _ETICHETTE
    formatters_columns = {"azione": formatta(audit.AZIONI), "quando": _al_secondo}

    @expose("/scarica")
    @has_access
    def scarica(self):
        """The rows of the current search as xlsx, oldest first. Its own filters, never the
        view's (FAB keeps those on the instance, shared by every request)."""
        filtri = self.datamodel.get_filters(self.search_columns)
        get_filter_args(filtri)
        query = self.datamodel.apply_filters(db.session.query(AuditEvento), filtri).order_by(AuditEvento.id)
        enti = dict(db.session.execute(select(Ente.id, Ente.nome)).all())
        colonne = [c.key for c in AuditEvento.__table__.columns]
        righe = ({**{c: getattr(e, c) for c in colonne}, "ente": enti.get(e.ente_id)} for e in query.yield_per(2000))
        buffer = io.BytesIO()
        n = scrivi_registro(buffer, righe, audit.AZIONI)
        audit.registra("esportazione", tipo_record="AuditEvento", dettaglio={
            "righe": n, "filtri": sorted(f"{f.column_name}:{f.arg_name}" for f in filtri.filters)})
        buffer.seek(0)
        return send_file(buffer, as_attachment=True, download_name=f"registro-audit-{date.today():%Y%m%d}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class FiltroConsultazioni(BaseFilter):
    """Rows that say someone saw a woman's identifying data: reads, and changes to it."""

    name = "Consultazioni"
    arg_name = None

    def apply(self, query, value):
        return query.filter(audit.criterio_consultazioni(self.model))


class AccessiDatiPersonaliView(LiaModelView):
    """The tab "Chi ha consultato i suoi dati" of a woman's page (AuditEvento.beneficiaria matches
    her code), with no page of its own; shown only to the CAV holding her."""

    datamodel = InterfacciaLia(AuditEvento, carica=["ente"])
    class_permission_name = "AccessiDatiPersonali"
    base_permissions = ["can_read"]
    method_permission_name = {"list": "read"}
    include_route_methods = set()
    title = list_title = "Chi ha consultato i suoi dati"
    base_filters = [["id", FiltroConsultazioni, lambda: None]]
    list_columns = ["quando", "username", "ente", "azione"]
    order_columns = ["quando"]
    base_order = ("id", "desc")
    label_columns = _ETICHETTE
    formatters_columns = {"azione": formatta(audit.AZIONI), "quando": _al_secondo}

    def visibile_per(self, item) -> bool:
        return vede_chi_ha_consultato(g.user, item)


def registra(appbuilder):
    appbuilder.add_view(AuditView, "Registro di audit", category="Security", icon="fa-history")
    appbuilder.add_view_no_menu(AccessiDatiPersonaliView)
