"""Asse I, run by the capofila: the laboratorio di empowerment (editions, sessions, enrolments,
attendance), its formalised model, training events for operators, agreements; and the
dashboard ("Cruscotto") of the indicators, the spending and the paths activated per month.

The operations shared by the screens and the REST API (attendance for a whole session, the
numbers of the dashboard) are the functions at the top of this module; app.api.asse1 calls
them, so both channels apply the same rule.

Who writes what:
- the resource "Laboratorio" covers editions, sessions, enrolments and attendance. The
  operators of a CAV hold can_write on it to enrol their own women and record attendance;
  creating, changing or deleting an EDITION or a SESSION is the capofila's (it runs Asse I, and
  deleting one would cascade onto other CAVs' women's records the operator cannot see):
  `solo_capofila()` answers 403 to anyone else.
- enrolments and attendance are records about one woman (PerBeneficiaria): the perimeter of
  app.security decides which of them a user sees and touches.
Attachments (ModelloLaboratorio.allegato, Accordo.allegato) are, for now, a plain file name:
no file is uploaded or served by these screens.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from markupsafe import Markup
from sqlalchemy import extract, func, select
from wtforms.validators import DataRequired, Length, NumberRange

from app import models as m
from app.extensions import db
from app.rules import indicatori as regole_indicatori
from app.rules.eligibility import formatta_euro
from app.security import (
    FiltroPerimetro, FiltroPerimetroCollegati, come_sistema, criterio_beneficiarie, nomi_ruoli, perimetro_corrente,
)
from app.security_roles import RUOLO_CAPOFILA
from app.servizi import Rifiuto
from app.servizi.indicatori import conteggi
from app.servizi.spese import programma_corrente
from app.views import LiaModelView, formatta, scelta

RISORSA_LABORATORIO = "Laboratorio"
RISORSA_CRUSCOTTO = "Cruscotto"


# --- operations shared with app.api.asse1 ---------------------------------------------------

def solo_capofila() -> bool:
    """Editions and sessions of the laboratorio are created and changed by the capofila only."""
    return RUOLO_CAPOFILA in nomi_ruoli(getattr(g, "user", None))


def iscritte_visibili(sessione: m.SessioneLaboratorio) -> list[m.IscrizioneLaboratorio]:
    """The women enrolled in the session's laboratorio that the current user may see, by code.

    The perimeter hook already scopes the query; the explicit criterion says the same thing
    (as FiltroPerimetroCollegati does for FAB's own queries)."""
    crit = criterio_beneficiarie(perimetro_corrente())
    return list(db.session.execute(
        select(m.IscrizioneLaboratorio)
        .join(m.Beneficiaria, m.IscrizioneLaboratorio.beneficiaria_id == m.Beneficiaria.id)
        .where(m.IscrizioneLaboratorio.laboratorio_id == sessione.laboratorio_id,
               m.IscrizioneLaboratorio.beneficiaria_id.in_(select(m.Beneficiaria.id).where(crit)))
        .order_by(m.Beneficiaria.codice)).scalars())


def presenze_visibili(sessione: m.SessioneLaboratorio, ids) -> dict[int, m.Presenza]:
    ids = sorted(ids)
    if not ids:
        return {}
    return {p.beneficiaria_id: p for p in db.session.execute(
        select(m.Presenza).where(m.Presenza.sessione_id == sessione.id,
                                 m.Presenza.beneficiaria_id.in_(ids))).scalars()}


def registra_presenze(sessione: m.SessioneLaboratorio, presenti, limitate_a=None) -> tuple[int, int]:
    """Record the attendance of a whole session at once.

    `presenti`: the ids of the women present. Every enrolled woman the user may see (only those
    in `limitate_a`, when given: the ones her form showed) gets a Presenza row, present or not.
    Enrolled women outside her perimeter are left untouched. An id that is not an enrolled
    woman she may see refuses the whole request (Rifiuto), and nothing is written.
    Returns (presenti, assenti)."""
    presenti = set(presenti)
    visibili = {i.beneficiaria_id for i in iscritte_visibili(sessione)}
    estranei = presenti - visibili
    if estranei:
        raise Rifiuto(
            "Alcune beneficiarie indicate non sono iscritte a questo laboratorio o non sono visibili per te: "
            + ", ".join(str(i) for i in sorted(estranei)) + ". Nessuna presenza è stata registrata.",
            per_campo={"presenti": ["Beneficiarie non iscritte o non visibili: "
                                    + ", ".join(str(i) for i in sorted(estranei))]})
    bersaglio = visibili if limitate_a is None else visibili & set(limitate_a)
    esistenti = presenze_visibili(sessione, bersaglio)
    n_presenti = 0
    try:
        for bid in sorted(bersaglio):
            p = esistenti.get(bid)
            if p is None:
                p = m.Presenza(sessione_id=sessione.id, beneficiaria_id=bid)
                db.session.add(p)
            p.presente = bid in presenti
            n_presenti += p.presente
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return n_presenti, len(bersaglio) - n_presenti


def _euro(v) -> str:
    return formatta_euro(v) if v is not None else "—"


def _percentuale(valore, obiettivo) -> int:
    if not obiettivo:
        return 0
    return max(0, min(100, int(round(float(valore) * 100 / float(obiettivo)))))


def _mesi(dal: date, al: date):
    anno, mese = dal.year, dal.month
    while (anno, mese) <= (al.year, al.month):
        yield anno, mese
        anno, mese = (anno + 1, 1) if mese == 12 else (anno, mese + 1)


_CODICI_BUDGET = {"II": "budget_asse_ii", "III": "budget_asse_iii", "IV": "budget_asse_iv"}


def dati_cruscotto() -> dict:
    """Every number of the dashboard, network-wide, as plain data (the screen and the API).

    Aggregates only: the queries cross the perimeter on purpose (`come_sistema`) and only sums
    and counts leave, no row. Counts of women under the programme's threshold are masked
    (app.rules.indicatori.mascherato): the women present, and the paths activated in a month."""
    programma = programma_corrente()
    soglia = programma.soglia_conteggi_piccoli
    c = conteggi()
    righe = regole_indicatori.calcola(programma, c)
    indicatori = [{"codice": r.codice, "descrizione": r.descrizione, "target": r.target, "valore": r.valore,
                   "percentuale": _percentuale(r.valore, r.target) if r.target else 100,
                   "raggiunto": r.valore >= r.target} for r in righe]

    s = db.session
    with come_sistema():
        spese = s.execute(
            select(m.Asse.codice, m.Ente.nome, func.sum(m.Spesa.importo))
            .join(m.VoceSpesa, m.Spesa.voce_id == m.VoceSpesa.id)
            .join(m.Priorita, m.VoceSpesa.priorita_id == m.Priorita.id)
            .join(m.Asse, m.Priorita.asse_id == m.Asse.id)
            .join(m.Programma, m.Asse.programma_id == m.Programma.id)
            .join(m.Ente, m.Spesa.ente_pagatore_id == m.Ente.id)
            .where(m.Spesa.ammissibile.is_(True), m.Programma.codice == programma.codice)
            .group_by(m.Asse.codice, m.Ente.nome)).all()
        budget_riga = s.execute(select(*[func.coalesce(func.sum(getattr(m.Progetto, col)), 0)
                                         for col in _CODICI_BUDGET.values()])).one()
        anno, mese = extract("year", m.Progetto.data_avvio), extract("month", m.Progetto.data_avvio)
        avvii = s.execute(select(anno, mese, func.count(m.Progetto.id))
                          .where(m.Progetto.data_avvio.is_not(None)).group_by(anno, mese)).all()

    budget = {codice: Decimal(str(v or 0)) for codice, v in zip(_CODICI_BUDGET, budget_riga)}
    per_asse: dict[str, Decimal] = {}
    per_ente: dict[str, dict[str, Decimal]] = {}
    for asse, ente, somma in spese:
        somma = Decimal(str(somma or 0)).quantize(Decimal("0.01"))
        per_asse[asse] = per_asse.get(asse, Decimal("0")) + somma
        per_ente.setdefault(ente, {})[asse] = per_ente.get(ente, {}).get(asse, Decimal("0.00")) + somma
    codici_assi = [a.codice for a in programma.assi] + sorted(set(per_asse) - {a.codice for a in programma.assi})
    nomi_assi = {a.codice: a.nome for a in programma.assi}
    righe_assi = []
    for codice in codici_assi:
        speso = per_asse.get(codice, Decimal("0.00"))
        previsto = budget.get(codice)
        if previsto:
            percentuale = _percentuale(speso, previsto)
        else:  # no budget: no bar, unless something was spent anyway (then it is all over budget)
            percentuale = 100 if previsto is not None and speso > 0 else None
        righe_assi.append({"asse": codice, "nome": nomi_assi.get(codice, ""), "speso": speso, "budget": previsto,
                           "percentuale": percentuale})
    righe_enti = [{"ente": ente, "per_asse": {a: v for a, v in sorted(valori.items())},
                   "totale": sum(valori.values(), Decimal("0.00"))}
                  for ente, valori in sorted(per_ente.items())]

    conta_mesi = {(int(a), int(mm)): n for a, mm, n in avvii if a is not None}
    mesi = list(_mesi(programma.data_inizio, programma.data_fine))
    mesi += [k for k in sorted(conta_mesi) if k not in mesi]
    mesi.sort()
    percorsi_mese = [{"mese": f"{a:04d}-{mm:02d}", "etichetta": f"{mm:02d}/{a:04d}",
                      "percorsi": regole_indicatori.mascherato(conta_mesi.get((a, mm), 0), soglia)}
                     for a, mm in mesi]

    return {
        "programma": {"codice": programma.codice, "nome": programma.nome},
        "soglia_conteggi_piccoli": soglia,
        "indicatori": indicatori,
        "laboratorio": {"sessioni_svolte": c.sessioni_svolte,
                        "donne_presenti": regole_indicatori.mascherato(c.donne_presenti, soglia)},
        "spese_per_asse": righe_assi,
        "spese_per_ente": righe_enti,
        "assi": codici_assi,
        "percorsi_per_mese": percorsi_mese,
    }


def grafico_mesi(percorsi_mese: list[dict], soglia: int) -> dict:
    """Geometry of the server-side SVG bar chart. A masked month ("<3") is drawn at a fixed
    height, hatched, whatever its real value: the bar must not tell 1 from 2."""
    numeri = [p["percorsi"] for p in percorsi_mese if isinstance(p["percorsi"], int)]
    massimo = max(numeri + [soglia, 1])
    alto, largo, passo, base = 160, 18, 26, 190
    barre = []
    for i, p in enumerate(percorsi_mese):
        v = p["percorsi"]
        mascherata = not isinstance(v, int)
        valore_grafico = (soglia - 1) if mascherata else v
        h = round(alto * valore_grafico / massimo) if valore_grafico else 0
        barre.append({"x": 40 + i * passo, "y": base - h, "h": h, "w": largo, "valore": v, "mascherata": mascherata,
                      "etichetta": p["etichetta"], "mese": p["mese"]})
    return {"barre": barre, "larghezza": 60 + len(percorsi_mese) * passo, "altezza": base + 60, "base": base,
            "massimo": massimo, "alto": alto}


# --- screens ---------------------------------------------------------------------------------

_PERIMETRO = [["id", FiltroPerimetroCollegati, lambda: None]]
_NOTE = [Length(max=1000, message="Al massimo 1000 caratteri.")]
_OBBL = DataRequired(message="Campo obbligatorio.")


class SoloCapofilaScrive:
    """Add, edit and delete answer 403 to anyone but the capofila (see the module's doc)."""

    def _add(self):
        if not solo_capofila():
            abort(403)
        return super()._add()

    def _edit(self, pk):
        if not solo_capofila():
            abort(403)
        return super()._edit(pk)

    def _delete(self, pk):
        if not solo_capofila():
            abort(403)
        return super()._delete(pk)


class PresenzaView(LiaModelView):
    """Attendance rows (read only here: they are recorded for a whole session at once)."""

    datamodel = SQLAInterface(m.Presenza)
    class_permission_name = RISORSA_LABORATORIO
    base_permissions = ["can_read"]
    base_filters = _PERIMETRO
    list_title = "Presenze al laboratorio"
    show_title = "Presenza"
    list_columns = ["sessione", "beneficiaria", "presente"]
    show_columns = list_columns
    search_columns = ["sessione", "beneficiaria", "presente"]
    label_columns = {"sessione": "Sessione", "beneficiaria": "Beneficiaria", "presente": "Presente"}
    formatters_columns = {"presente": lambda v: "Sì" if v else "No"}


def _link_presenze(sessione_id):
    return Markup('<a class="btn btn-xs btn-default" href="{}"><i class="fa fa-check-square-o"></i> '
                  'Presenze</a>').format(url_for("PresenzeSessioneView.presenze", sessione_id=sessione_id))


class SessioneLaboratorioView(SoloCapofilaScrive, LiaModelView):
    datamodel = SQLAInterface(m.SessioneLaboratorio)
    class_permission_name = RISORSA_LABORATORIO
    related_views = [PresenzaView]
    list_title = "Sessioni del laboratorio"
    show_title = "Sessione del laboratorio"
    add_title = "Nuova sessione"
    edit_title = "Modifica sessione"
    list_columns = ["laboratorio", "data", "ora_inizio", "ora_fine", "tema", "svolta", "id"]
    add_columns = ["laboratorio", "data", "ora_inizio", "ora_fine", "tema", "svolta", "note"]
    edit_columns = add_columns
    show_columns = add_columns
    search_columns = ["laboratorio", "data", "svolta"]
    order_columns = ["data"]
    base_order = ("data", "asc")
    label_columns = {"laboratorio": "Laboratorio (edizione)", "data": "Data", "ora_inizio": "Dalle",
                     "ora_fine": "Alle", "tema": "Tema", "svolta": "Svolta", "note": "Note", "id": "Presenze"}
    description_columns = {"svolta": "Solo le sessioni svolte contano per gli indicatori."}
    formatters_columns = {"id": _link_presenze, "svolta": lambda v: "Sì" if v else "No"}
    validators_columns = {"tema": [Length(max=300)], "note": _NOTE, "data": [_OBBL]}


class IscrizioneLaboratorioView(LiaModelView):
    """Enrolment of a woman (by code) in an edition: each CAV enrols her own women."""

    datamodel = SQLAInterface(m.IscrizioneLaboratorio)
    class_permission_name = RISORSA_LABORATORIO
    base_filters = _PERIMETRO
    list_title = "Iscrizioni al laboratorio"
    show_title = add_title = edit_title = "Iscrizione al laboratorio"
    list_columns = ["laboratorio", "beneficiaria", "data_iscrizione"]
    add_columns = ["laboratorio", "beneficiaria", "data_iscrizione"]
    edit_columns = ["data_iscrizione"]
    show_columns = add_columns
    search_columns = ["laboratorio", "beneficiaria", "data_iscrizione"]
    label_columns = {"laboratorio": "Laboratorio (edizione)", "beneficiaria": "Beneficiaria",
                     "data_iscrizione": "Data di iscrizione"}
    validators_columns = {"laboratorio": [_OBBL], "beneficiaria": [_OBBL]}
    add_form_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}

    def pre_add(self, item):
        if item.laboratorio is None or item.beneficiaria is None:
            raise Rifiuto("Indicare il laboratorio e la beneficiaria.")
        item.data_iscrizione = item.data_iscrizione or date.today()


class LaboratorioView(SoloCapofilaScrive, LiaModelView):
    datamodel = SQLAInterface(m.Laboratorio)
    class_permission_name = RISORSA_LABORATORIO
    related_views = [SessioneLaboratorioView, IscrizioneLaboratorioView]
    list_title = "Laboratori di empowerment"
    show_title = "Laboratorio di empowerment"
    add_title = "Nuova edizione del laboratorio"
    edit_title = "Modifica edizione del laboratorio"
    list_columns = ["edizione", "ambito", "conduttori", "sede"]
    add_columns = edit_columns = show_columns = ["edizione", "ambito", "conduttori", "sede", "note"]
    search_columns = ["edizione", "ambito"]
    order_columns = ["edizione"]
    label_columns = {"edizione": "Edizione", "ambito": "Ambito", "conduttori": "Conduttrici / conduttori",
                     "sede": "Sede", "note": "Note"}
    validators_columns = {"edizione": [_OBBL, Length(max=100)], "ambito": [_OBBL],
                          "conduttori": [Length(max=300)], "sede": [Length(max=300)], "note": _NOTE}


_DESCR_ALLEGATO = ("Nome del file del documento, conservato fuori dal gestionale: il caricamento dei file "
                   "non è ancora disponibile.")


class ModelloLaboratorioView(LiaModelView):
    datamodel = SQLAInterface(m.ModelloLaboratorio)
    class_permission_name = "ModelloLaboratorio"
    list_title = "Modello del laboratorio"
    show_title = "Modello del laboratorio"
    add_title = "Nuovo modello del laboratorio"
    edit_title = "Modifica modello del laboratorio"
    list_columns = ["titolo", "data_formalizzazione", "data_validazione", "validato_da"]
    add_columns = edit_columns = show_columns = ["titolo", "allegato", "data_formalizzazione", "data_validazione",
                                                 "validato_da"]
    label_columns = {"titolo": "Titolo", "allegato": "Documento (nome del file)",
                     "data_formalizzazione": "Formalizzato il", "data_validazione": "Validato il",
                     "validato_da": "Validato da"}
    description_columns = {"allegato": _DESCR_ALLEGATO,
                           "data_validazione": "Conta per l'indicatore solo se formalizzato e validato."}
    validators_columns = {"titolo": [_OBBL, Length(max=300)], "allegato": [Length(max=300)],
                          "validato_da": [Length(max=300)]}

    def pre_add(self, item):
        if item.data_validazione and not item.data_formalizzazione:
            raise Rifiuto("Un modello si valida dopo averlo formalizzato.",
                          per_campo={"data_formalizzazione": ["Indicare la data di formalizzazione."]})
        if item.data_validazione and item.data_formalizzazione and item.data_validazione < item.data_formalizzazione:
            raise Rifiuto("La validazione non può precedere la formalizzazione.",
                          per_campo={"data_validazione": ["Data precedente alla formalizzazione."]})

    pre_update = pre_add


class PartecipazioneEventoView(LiaModelView):
    datamodel = SQLAInterface(m.PartecipazioneEvento)
    class_permission_name = "EventoFormativo"
    list_title = "Partecipazione degli enti"
    show_title = add_title = edit_title = "Partecipazione all'evento"
    list_columns = ["evento", "ente", "numero_operatori"]
    add_columns = ["evento", "ente", "numero_operatori"]
    edit_columns = ["ente", "numero_operatori"]
    show_columns = add_columns
    label_columns = {"evento": "Evento formativo", "ente": "Ente", "numero_operatori": "Operatori presenti"}
    validators_columns = {"evento": [_OBBL], "ente": [_OBBL],
                          "numero_operatori": [NumberRange(min=1, max=1000, message="Da 1 a 1000.")]}


class EventoFormativoView(LiaModelView):
    datamodel = SQLAInterface(m.EventoFormativo)
    class_permission_name = "EventoFormativo"
    related_views = [PartecipazioneEventoView]
    list_title = "Eventi formativi per operatori"
    show_title = "Evento formativo"
    add_title = "Nuovo evento formativo"
    edit_title = "Modifica evento formativo"
    list_columns = ["data", "tema", "ambito", "diffonde_modello"]
    add_columns = edit_columns = show_columns = ["data", "tema", "ambito", "diffonde_modello", "note"]
    search_columns = ["data", "tema", "ambito"]
    order_columns = ["data"]
    base_order = ("data", "desc")
    label_columns = {"data": "Data", "tema": "Tema", "ambito": "Ambito (vuoto: tutti e tre)",
                     "diffonde_modello": "Diffonde il modello del laboratorio", "note": "Note"}
    formatters_columns = {"diffonde_modello": lambda v: "Sì" if v else "No",
                          "ambito": lambda v: v if v else "Tutti gli ambiti"}
    description_columns = {"data": "Conta per l'indicatore dal giorno in cui si è svolto."}
    validators_columns = {"data": [_OBBL], "tema": [_OBBL, Length(max=300)], "note": _NOTE}


class AccordoView(LiaModelView):
    datamodel = SQLAInterface(m.Accordo)
    class_permission_name = "Accordo"
    list_title = "Accordi con i soggetti del territorio"
    show_title = "Accordo"
    add_title = "Nuovo accordo"
    edit_title = "Modifica accordo"
    list_columns = ["controparte", "tipo", "area", "stato", "data_firma"]
    add_columns = edit_columns = show_columns = ["controparte", "tipo", "area", "stato", "data_firma", "allegato",
                                                 "note"]
    search_columns = ["controparte", "tipo", "area", "stato", "data_firma"]
    order_columns = ["controparte", "data_firma"]
    label_columns = {"controparte": "Controparte", "tipo": "Tipo", "area": "Area", "stato": "Stato",
                     "data_firma": "Firmato il", "allegato": "Documento (nome del file)", "note": "Note"}
    description_columns = {"allegato": _DESCR_ALLEGATO,
                           "stato": "Conta per l'indicatore se firmato (o scaduto) con la data di firma."}
    formatters_columns = {"tipo": formatta(m.TIPI_ACCORDO), "area": formatta(m.AREE),
                          "stato": formatta(m.STATI_ACCORDO)}
    add_form_extra_fields = edit_form_extra_fields = {
        "tipo": scelta("Tipo", m.TIPI_ACCORDO), "area": scelta("Area", m.AREE),
        "stato": scelta("Stato", m.STATI_ACCORDO)}
    validators_columns = {"controparte": [_OBBL, Length(max=300)], "allegato": [Length(max=300)], "note": _NOTE}

    def pre_add(self, item):
        if item.stato in ("firmato", "scaduto") and not item.data_firma:
            raise Rifiuto("Un accordo firmato ha la sua data di firma.",
                          per_campo={"data_firma": ["Indicare la data di firma."]})

    pre_update = pre_add


# --- attendance for a whole session --------------------------------------------------------

class PresenzeSessioneView(BaseView):
    """One screen for the attendance of a session: the checklist of the enrolled women the user
    may see (by code; her own women also by name for the CAV that holds them)."""

    route_base = "/presenze"
    class_permission_name = RISORSA_LABORATORIO
    method_permission_name = {"presenze": "read", "salva": "write"}
    default_view = "presenze"

    def _sessione(self, sessione_id):
        sessione = db.session.get(m.SessioneLaboratorio, sessione_id)
        if sessione is None:
            abort(404)
        return sessione

    @expose("/<int:sessione_id>", methods=["GET"])
    @has_access
    def presenze(self, sessione_id):
        sessione = self._sessione(sessione_id)
        iscrizioni = iscritte_visibili(sessione)
        ids = [i.beneficiaria_id for i in iscrizioni]
        presenze = presenze_visibili(sessione, ids)
        nomi = {}
        if ids and self.appbuilder.sm.has_access("can_read", "DatiPersonali"):
            # The perimeter returns only the rows of the women her own CAV holds.
            for dp in db.session.execute(select(m.DatiPersonali)
                                         .where(m.DatiPersonali.beneficiaria_id.in_(ids))).scalars():
                nomi[dp.beneficiaria_id] = f"{dp.nome} {dp.cognome}"
        righe = [{"id": i.beneficiaria_id, "codice": i.beneficiaria.codice, "nome": nomi.get(i.beneficiaria_id),
                  "presente": presenze[i.beneficiaria_id].presente if i.beneficiaria_id in presenze else None}
                 for i in iscrizioni]
        return self.render_template(
            "lia_presenze.html", sessione=sessione, righe=righe, con_nomi=bool(nomi),
            puo_scrivere=self.appbuilder.sm.has_access("can_write", RISORSA_LABORATORIO))

    @expose("/<int:sessione_id>", methods=["POST"])
    @has_access
    def salva(self, sessione_id):
        sessione = self._sessione(sessione_id)
        try:
            presenti = {int(v) for v in request.form.getlist("presenti")}
            iscritte = request.form.getlist("iscritte")
            limitate_a = {int(v) for v in iscritte} if iscritte else None
        except ValueError:
            abort(400)
        try:
            n_presenti, n_assenti = registra_presenze(sessione, presenti, limitate_a)
        except Rifiuto as exc:
            for motivo in exc.motivi:
                flash(motivo, "danger")
        else:
            flash(f"Presenze registrate: {n_presenti} presenti, {n_assenti} assenti.", "success")
        return redirect(url_for("PresenzeSessioneView.presenze", sessione_id=sessione_id))


# --- the dashboard ----------------------------------------------------------------------------

class CruscottoView(BaseView):
    """Indicators against targets, spending against budget, paths activated per month."""

    route_base = "/cruscotto"
    class_permission_name = RISORSA_CRUSCOTTO
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        dati = dati_cruscotto()
        return self.render_template("lia_cruscotto.html", dati=dati, euro=_euro,
                                    grafico=grafico_mesi(dati["percorsi_per_mese"], dati["soglia_conteggi_piccoli"]))


def registra(appbuilder):
    appbuilder.add_view(LaboratorioView, "Laboratori", category="Asse I", icon="fa-users", category_icon="fa-users")
    appbuilder.add_view(SessioneLaboratorioView, "Sessioni del laboratorio", category="Asse I")
    appbuilder.add_view(IscrizioneLaboratorioView, "Iscrizioni al laboratorio", category="Asse I")
    appbuilder.add_view(PresenzaView, "Presenze al laboratorio", category="Asse I")
    appbuilder.add_view(ModelloLaboratorioView, "Modello del laboratorio", category="Asse I")
    appbuilder.add_view(EventoFormativoView, "Eventi formativi", category="Asse I")
    appbuilder.add_view(AccordoView, "Accordi", category="Asse I")
    appbuilder.add_view_no_menu(PartecipazioneEventoView)
    appbuilder.add_view_no_menu(PresenzeSessioneView)
    appbuilder.add_view(CruscottoView, "Cruscotto", icon="fa-tachometer")
