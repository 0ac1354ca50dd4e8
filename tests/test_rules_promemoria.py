"""The reminders as plain decisions (issue 11, §15): which items remind, the key that makes an
event sent once, the e-mail's text (codes only, a link per list)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.rules import promemoria as p

OGGI = date(2026, 12, 1)


@dataclass
class R:
    id: int
    codice: str
    dal: date | None
    nota: str = ""
    evento: str = ""


@dataclass
class E:
    chiave: str
    righe: list = field(default_factory=list)


def test_una_segnalazione_ricorda_solo_dopo_i_giorni_di_attesa():
    elenchi = [E("segnalazioni", [R(1, "CR-1", date(2026, 11, 24)), R(2, "CR-2", date(2026, 11, 23)),
                                  R(3, "CR-3", None)])]
    assert [x.codice for x in p.promemoria(elenchi, OGGI, 7)] == ["CR-2"]  # 7 days: not yet; 8: yes
    assert [x.codice for x in p.promemoria(elenchi, OGGI, 0)] == ["CR-1", "CR-2"]


def test_le_sessioni_senza_presenze_restano_sulla_home():
    elenchi = [E("sessioni", [R(1, "Lab 1", date(2026, 1, 1))]), E("da_avviare", [R(5, "P-5", None)])]
    assert [(x.tipo, x.record_id) for x in p.promemoria(elenchi, OGGI, 7)] == [("da_avviare", 5)]


def test_la_chiave_distingue_stato_follow_up_e_massimale():
    a = p.Promemoria("da_validare", 4, "P-4", None, "", "proposto")
    b = p.Promemoria("da_validare", 4, "P-4", None, "", "validato_equipe")
    c = p.Promemoria("da_avviare", 4, "P-4", None, "")
    assert len({a.chiave, b.chiave, c.chiave}) == 3
    assert c.chiave == "da_avviare:4"


def test_da_inviare_toglie_i_gia_inviati_e_i_doppioni():
    a = p.Promemoria("da_avviare", 1, "P-1", None, "")
    b = p.Promemoria("follow_up", 2, "P-2", None, "", "6")
    assert p.da_inviare([a, b, b], {"da_avviare:1"}) == [b]
    assert p.da_inviare([a, b], {"da_avviare:1", "follow_up:2:6"}) == []


def test_il_messaggio_elenca_codici_eta_e_link_per_elenco():
    nuovi = [p.Promemoria("segnalazioni", 1, "CR-2026-0001", date(2026, 11, 1), ""),
             p.Promemoria("massimali", 9, "CR-2026-0009", date(2026, 11, 30), "Budget di autonomia al 95%", "a")]
    m = p.messaggio_giornaliero(nuovi, OGGI, "L.I.A. 2", "https://lia.example.org/", 7, 90)
    assert m.oggetto == "L.I.A. 2: 2 promemoria del 01/12/2026"
    assert "Segnalazioni in attesa di valutazione da più di 7 giorni (1):" in m.testo
    assert "- CR-2026-0001, dal 01/11/2026 (da 30 giorni)" in m.testo
    assert "Progetti ad almeno il 90% di un massimale (1):" in m.testo
    assert "- CR-2026-0009, dal 30/11/2026 (da 1 giorno) – Budget di autonomia al 95%" in m.testo
    assert "https://lia.example.org/oggi/segnalazioni" in m.testo
    assert "https://lia.example.org/promemoria/" in m.testo
    assert "Progetti validati" not in m.testo  # a kind without news is left out
