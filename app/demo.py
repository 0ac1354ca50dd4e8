"""The demo network: the real bodies named in the programme card, one user per role and per
CAV, and ~30 clearly fictional women. Idempotent: a second run adds nothing."""
from __future__ import annotations

import random
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from app import models as m
from app.crypto import indice_cieco
from app.extensions import db
from app.rules.codice_fiscale import con_carattere_controllo
from app.security_roles import (
    RUOLO_AMMINISTRATORE, RUOLO_CAPOFILA, RUOLO_CAV, RUOLO_EQUIPE, RUOLO_REGIONE, RUOLO_RESPONSABILE_CAV,
    RUOLO_SERVIZI,
)

AMBITI = [("CR", "Cremona"), ("CM", "Crema"), ("CA", "Casalmaggiore")]

ENTI = [
    ("Comune di Cremona", "capofila", "Cremona"),
    ("Centro Antiviolenza di Cremona", "centro_antiviolenza", "Cremona"),
    ("Centro Antiviolenza di Crema", "centro_antiviolenza", "Crema"),
    ("Centro Antiviolenza di Casalmaggiore", "centro_antiviolenza", "Casalmaggiore"),
    ("Azienda Sociale del Cremonese", "azienda_sociale", "Cremona"),
    ("Comunità Sociale Cremasca", "azienda_sociale", "Crema"),
    ("Consorzio Casalasco dei Servizi Sociali", "azienda_sociale", "Casalmaggiore"),
    ("Provincia di Cremona – Settore Lavoro e Formazione", "provincia", None),
    ("Centro per l'Impiego di Cremona", "centro_impiego", "Cremona"),
    ("Centro per l'Impiego di Crema", "centro_impiego", "Crema"),
    ("Centro per l'Impiego di Casalmaggiore", "centro_impiego", "Casalmaggiore"),
    ("Comune di Crema", "servizio_sociale", "Crema"),
    ("Comune di Casalmaggiore", "servizio_sociale", "Casalmaggiore"),
    ("ATS Val Padana", "ats", None),
    ("ASST Cremona", "asst", "Cremona"),
    ("ASST Crema", "asst", "Crema"),
    ("Regione Lombardia", "regione", None),
]

UTENTI = [
    ("admin", RUOLO_AMMINISTRATORE, "Comune di Cremona", "Amministratrice", "Sistema"),
    ("capofila", RUOLO_CAPOFILA, "Comune di Cremona", "Referente", "Capofila"),
    ("cav.cremona", RUOLO_CAV, "Centro Antiviolenza di Cremona", "Operatrice", "CAV Cremona"),
    ("cav.crema", RUOLO_CAV, "Centro Antiviolenza di Crema", "Operatrice", "CAV Crema"),
    ("cav.casalmaggiore", RUOLO_CAV, "Centro Antiviolenza di Casalmaggiore", "Operatrice", "CAV Casalmaggiore"),
    ("equipe.cremona", RUOLO_EQUIPE, "Azienda Sociale del Cremonese", "Équipe", "Cremona"),
    ("equipe.crema", RUOLO_EQUIPE, "Comunità Sociale Cremasca", "Équipe", "Crema"),
    ("equipe.casalmaggiore", RUOLO_EQUIPE, "Consorzio Casalasco dei Servizi Sociali", "Équipe", "Casalmaggiore"),
    ("servizi.cpi", RUOLO_SERVIZI, "Centro per l'Impiego di Cremona", "Operatore", "CPI"),
    ("regione", RUOLO_REGIONE, "Regione Lombardia", "Funzionaria", "Regione"),
    # Each CAV's responsible confirms who may see its women (the two-person rule).
    ("resp.cremona", (RUOLO_CAV, RUOLO_RESPONSABILE_CAV), "Centro Antiviolenza di Cremona", "Responsabile",
     "CAV Cremona"),
    ("resp.crema", (RUOLO_CAV, RUOLO_RESPONSABILE_CAV), "Centro Antiviolenza di Crema", "Responsabile", "CAV Crema"),
    ("resp.casalmaggiore", (RUOLO_CAV, RUOLO_RESPONSABILE_CAV), "Centro Antiviolenza di Casalmaggiore",
     "Responsabile", "CAV Casalmaggiore"),
]

# Invented surnames and names: obviously fictional, and unlikely to appear anywhere else in a
# database file, so the tests can look for them in the raw bytes.
COGNOMI_FITTIZI = [
    "Finzionelli", "Inventatini", "Esempiaro", "Provolanti", "Fantasiosi", "Immaginetti",
    "Demoretti", "Fintaldi", "Campionesi", "Ipotetici",
]
NOMI_FITTIZI = ["Alba", "Bruna", "Carla", "Dora", "Elsa", "Fiora", "Gemma", "Ida", "Lia", "Marta",
                "Nives", "Olga", "Pia", "Rina", "Sara"]
MESI_CF = "ABCDEHLMPRST"


def _cf_fittizio(cognome: str, nome: str, nascita: date) -> str:
    consonanti = [c for c in cognome.upper() if c.isalpha() and c not in "AEIOU"]
    vocali = [c for c in cognome.upper() if c in "AEIOU"]
    cc = "".join((consonanti + vocali + ["X"] * 3)[:3])
    cn_cons = [c for c in nome.upper() if c.isalpha() and c not in "AEIOU"]
    cn = "".join((cn_cons + [c for c in nome.upper() if c in "AEIOU"] + ["X"] * 3)[:3])
    # Z999 is no real place: the codes are valid in form, and fictional.
    primi = f"{cc}{cn}{nascita:%y}{MESI_CF[nascita.month - 1]}{nascita.day + 40:02d}Z999"
    return con_carattere_controllo(primi)


def donne_fittizie(n: int = 30):
    rnd = random.Random(2022)  # nosec B311 # invented demo women: a fixed seed for the same network every time
    for i in range(n):
        cognome = COGNOMI_FITTIZI[i % len(COGNOMI_FITTIZI)]
        nome = NOMI_FITTIZI[(i * 7) % len(NOMI_FITTIZI)]
        nascita = date(1975, 1, 1) + timedelta(days=rnd.randint(0, 9000))
        yield {
            "cav": ["Centro Antiviolenza di Cremona", "Centro Antiviolenza di Crema",
                    "Centro Antiviolenza di Casalmaggiore"][i % 3],
            "nome": nome, "cognome": cognome, "nascita": nascita,
            "codice_fiscale": _cf_fittizio(cognome, nome, nascita),
            "telefono": f"+39 300 000 {i:04d}",
            "email": f"{nome.lower()}.{cognome.lower()}@esempio.invalid",
            "indirizzo": f"Via dell'Esempio {i + 1}",
            "comune": ["Cremona", "Crema", "Casalmaggiore"][i % 3],
            "presa_in_carico": date(2022, 4, 1) + timedelta(days=rnd.randint(0, 600)),
            "fascia_eta": rnd.choice(["18-29", "30-39", "30-39", "40-49", "40-49", "50-59"]),
            "cittadinanza": rnd.choice(["italiana", "italiana", "italiana", "ue", "extra_ue"]),
            "figli_minori": rnd.choice([0, 1, 1, 2, 2, 3]),
            "relazione_autore": rnd.choice(["partner", "partner", "partner", "ex_partner", "ex_partner", "familiare"]),
            "condizione_occupazionale": rnd.choice(["disoccupata", "occupata_precaria", "occupata_determinato",
                                                    "inoccupata", "occupata_indeterminato"]),
        }


def _get_or_create(modello, cerca: dict, **valori):
    obj = db.session.execute(select(modello).filter_by(**cerca)).scalar_one_or_none()
    if obj is None:
        obj = modello(**cerca, **valori)
        db.session.add(obj)
        db.session.flush()
    return obj


def carica_demo(password: str) -> dict:
    from app.servizi.beneficiarie import prossimo_codice

    sm = current_app.appbuilder.sm
    ambiti = {nome: _get_or_create(m.Ambito, {"nome": nome}, codice=codice) for codice, nome in AMBITI}
    enti = {
        nome: _get_or_create(m.Ente, {"nome": nome}, tipo=tipo, ambito=ambiti.get(amb))
        for nome, tipo, amb in ENTI
    }
    utenti = []
    for username, ruolo, ente, nome, cognome in UTENTI:
        ruoli = ruolo if isinstance(ruolo, tuple) else (ruolo,)
        user = sm.find_user(username=username)
        if user is None:
            # Directly, not through the password policy: the demo password is for development only.
            user = sm.add_user(username, nome, cognome, f"{username}@esempio.invalid",
                               [sm.find_role(r) for r in ruoli], password=password)
        user.ente_id = enti[ente].id
        utenti.append((username, " + ".join(ruoli)))
    db.session.flush()

    nuove = 0
    for d in donne_fittizie():
        indice = indice_cieco(d["codice_fiscale"])
        if db.session.execute(select(m.DatiPersonali.id).where(m.DatiPersonali.cf_indice == indice)).first():
            continue
        cav = enti[d["cav"]]
        b = m.Beneficiaria(
            ente=cav, ambito=cav.ambito, data_presa_in_carico=d["presa_in_carico"],
            fascia_eta=d["fascia_eta"], cittadinanza=d["cittadinanza"], figli_minori=d["figli_minori"],
            relazione_autore=d["relazione_autore"], condizione_occupazionale=d["condizione_occupazionale"],
        )
        b.anno = b.data_presa_in_carico.year
        b.progressivo, b.codice = prossimo_codice(cav.ambito, b.anno)
        db.session.add(b)
        db.session.flush()
        db.session.add(m.DatiPersonali(
            beneficiaria=b, nome=d["nome"], cognome=d["cognome"], codice_fiscale=d["codice_fiscale"],
            data_nascita=d["nascita"], telefono=d["telefono"], email=d["email"], indirizzo=d["indirizzo"],
            comune=d["comune"],
        ))
        for finalita, ambito_consenso in (
                ("programma", "Partecipazione al programma L.I.A. 2"),
                ("condivisione_equipe", "Condivisione pseudonima con équipe e micro-équipe"),
                ("condivisione_cpi", "Colloquio e servizi del Centro per l'impiego"),
                ("statistiche", "Statistiche anonime per Regione Lombardia")):
            db.session.add(m.Consenso(beneficiaria=b, tipo=finalita, data=d["presa_in_carico"],
                                      ambito_consenso=ambito_consenso))
        nuove += 1
    db.session.commit()
    percorsi = carica_percorsi_demo(sm)
    totale = db.session.query(m.Beneficiaria).count()
    return {"utenti": utenti, "nuove_beneficiarie": nuove, "beneficiarie": totale, "percorsi": percorsi}


# --- paths, money and Asse I: so that every screen of the demo has something to show ------

def _utente(sm, username):
    return sm.find_user(username=username)


def _spesa_demo(utente, progetto, voce_codice, importo, data, numero, quietanza=("bonifico", 5), **extra):
    """``quietanza``: (tipo, days after the invoice) of its payment, or None for one not yet paid,
    so that the rendicontazione's «Controlli» sheet has something to show."""
    from datetime import timedelta
    from decimal import Decimal

    from app.servizi.spese import prepara_spesa

    voce = db.session.execute(select(m.VoceSpesa).where(m.VoceSpesa.codice == voce_codice)).scalar_one()
    s = m.Spesa(progetto=progetto, voce=voce, importo=Decimal(importo), data=data, fornitore="Fornitore di esempio",
                giustificativo_tipo="fattura", giustificativo_numero=numero, giustificativo_data=data,
                quietanza_tipo=quietanza[0] if quietanza else None,
                quietanza_data=data + timedelta(days=quietanza[1]) if quietanza else None, **extra)
    prepara_spesa(s, utente, registra_non_ammissibile=True)
    db.session.add(s)
    db.session.commit()
    return s


def carica_percorsi_demo(sm) -> bool:
    """A few referrals, projects in every state, spese and the Asse I records. Runs once: it
    does nothing when the demo already has referrals."""
    from app.servizi.percorso import (esegui_transizione, prepara_microequipe, prepara_progetto, prepara_segnalazione,
                                      prepara_valutazione)

    if db.session.execute(select(m.Segnalazione.id)).first():
        return False
    d = date
    capofila = _utente(sm, "capofila")
    reti = [("cav.cremona", "equipe.cremona", "Centro Antiviolenza di Cremona"),
            ("cav.crema", "equipe.crema", "Centro Antiviolenza di Crema"),
            ("cav.casalmaggiore", "equipe.casalmaggiore", "Centro Antiviolenza di Casalmaggiore")]
    giust = iter(range(1, 1000))
    per_cremona = []
    for n, (u_cav, u_eq, nome_cav) in enumerate(reti):
        cav, equipe = _utente(sm, u_cav), _utente(sm, u_eq)
        donne = db.session.execute(select(m.Beneficiaria).join(m.Ente, m.Beneficiaria.ente_id == m.Ente.id)
                                   .where(m.Ente.nome == nome_cav).order_by(m.Beneficiaria.codice)).scalars().all()
        if n == 0:
            per_cremona = donne[:4]
        aree = ["lavoro", "abitare", "entrambe", "lavoro"]
        segnalazioni = []
        for donna, area in zip(donne[:4], aree):
            s = m.Segnalazione(beneficiaria=donna, data=d(2022, 5, 10 + len(segnalazioni)), area_richiesta=area,
                               note="Segnalazione di esempio")
            prepara_segnalazione(s, cav)
            db.session.add(s)
            segnalazioni.append(s)
        db.session.commit()
        for s, esito in zip(segnalazioni[:3], ["ammessa", "ammessa", "sospesa"]):
            v = m.Valutazione(segnalazione=s, esito=esito, pronta=True if s.area_richiesta != "abitare" else None,
                              data=d(2022, 5, 25),
                              motivazione="" if esito == "ammessa" else "In attesa della disponibilità al tirocinio")
            prepara_valutazione(v, equipe)
            db.session.add(v)
        db.session.commit()
        # Project 1: job path with regional money, validated by équipe and capofila, running.
        p1 = m.Progetto(segnalazione=segnalazioni[0], area="lavoro", obiettivi="Tirocinio di inclusione e formazione",
                        data_inizio=d(2022, 6, 15), data_fine=d(2024, 3, 31), budget_asse_ii=2500, budget_asse_iii=300,
                        budget_asse_iv=0)
        prepara_progetto(p1, cav)
        db.session.add(p1)
        # Project 2: housing support.
        p2 = m.Progetto(segnalazione=segnalazioni[1], area="abitare", obiettivi="Autonomia abitativa",
                        data_inizio=d(2022, 7, 1), data_fine=d(2023, 12, 31), budget_asse_ii=0, budget_asse_iii=0,
                        budget_asse_iv=1500)
        prepara_progetto(p2, cav)
        db.session.add(p2)
        db.session.commit()
        for p in (p1, p2):
            esegui_transizione(p, cav, "proposto", data=d(2022, 6, 1))
            esegui_transizione(p, equipe, "validato_equipe", data=d(2022, 6, 6))
            esegui_transizione(p, capofila, "validato_capofila", data=d(2022, 6, 10))
            esegui_transizione(p, cav, "in_corso", data=d(2022, 6, 15))
        _spesa_demo(cav, p1, "II-TIROCINIO-ATTIVAZIONE", "400.00", d(2022, 7, 1), f"DEMO-{next(giust)}")
        for mese in (7, 8, 9):
            _spesa_demo(cav, p1, "II-TIROCINIO-INDENNITA", "500.00", d(2022, mese, 28), f"DEMO-{next(giust)}")
        _spesa_demo(cav, p1, "III-TRASPORTO", "45.50", d(2022, 7, 5), f"DEMO-{next(giust)}", quietanza=("contanti", 0))
        _spesa_demo(cav, p2, "IV-CAUZIONE", "800.00", d(2022, 7, 10), f"DEMO-{next(giust)}")
        _spesa_demo(cav, p2, "IV-CANONE", "450.00", d(2022, 8, 1), f"DEMO-{next(giust)}", quietanza=None)
        # Recorded on purpose although ineligible: already covered by another measure.
        _spesa_demo(cav, p2, "IV-UTENZE", "120.00", d(2022, 8, 20), f"DEMO-{next(giust)}",
                    coperta_da_altra_misura=True)
        if n == 0:
            esegui_transizione(p2, cav, "concluso", data=d(2023, 1, 15))
            db.session.add(m.EsitoProgetto(progetto=p2, beneficiaria_id=p2.beneficiaria_id, tipo="chiusura",
                                           data=d(2023, 1, 15), condizione_lavorativa="occupata",
                                           tipo_contratto="determinato", condizione_abitativa="autonoma"))
        if n == 1:
            esegui_transizione(p1, cav, "interrotto", data=d(2022, 11, 30),
                               nota="Non sostenibile dal punto di vista psico-fisico")
        cpi = db.session.execute(select(m.Ente).where(
            m.Ente.tipo == "centro_impiego", m.Ente.ambito_id == cav.ente.ambito_id)).scalars().first()
        db.session.add(m.ColloquioCPI(beneficiaria=segnalazioni[0].beneficiaria, ente_cpi=cpi,
                                      data_prevista=d(2022, 6, 20), data_svolta=d(2022, 6, 20),
                                      esito="Iscrizione DID e Patto di servizio"))
        # What the project does besides the money: the CPI's service and the internship.
        db.session.add(m.Intervento(progetto=p1, beneficiaria_id=p1.beneficiaria_id, tipo="servizio_cpi",
                                    servizio_cpi="patto_servizio", ente_erogatore=cpi, data_inizio=d(2022, 6, 20),
                                    data_fine=d(2022, 6, 20), stato="concluso"))
        db.session.add(m.Intervento(progetto=p1, beneficiaria_id=p1.beneficiaria_id, tipo="tirocinio",
                                    ente_erogatore=cav.ente, data_inizio=d(2022, 7, 1), stato="in_corso",
                                    note="Tirocinio presso un'impresa del territorio"))
        if n == 0:
            # The Servizi user works on this case: the micro-équipe lets her see it.
            micro = m.MicroEquipe(beneficiaria=segnalazioni[0].beneficiaria,
                                  membri=[cav, equipe, _utente(sm, "servizi.cpi")],
                                  note="Micro-équipe di esempio")
            prepara_microequipe(micro, cav)
            db.session.add(micro)
        # Another measure she already receives, for a woman whose referral is still open.
        db.session.add(m.AltraMisura(beneficiaria=segnalazioni[3].beneficiaria, tipo="reddito_liberta",
                                     data_inizio=d(2022, 4, 1), data_fine=d(2023, 3, 31), assi_coperti="IV",
                                     note="Contributo mensile"))
        db.session.commit()
    # Asse I, run by the capofila.
    cremona = db.session.execute(select(m.Ambito).where(m.Ambito.nome == "Cremona")).scalar_one()
    lab = m.Laboratorio(edizione="Cremona 2023", ambito=cremona, conduttori="Due formatrici esperte",
                        sede="Sede comunale di esempio")
    db.session.add(lab)
    sessioni = [m.SessioneLaboratorio(laboratorio=lab, data=d(2023, 3, g), ora_inizio="09:30", ora_fine="12:00",
                                      tema=t) for g, t in [(7, "Conoscersi"), (14, "Le mie risorse"), (21, "Il mio progetto")]]
    db.session.add_all(sessioni)
    db.session.flush()
    for i, donna in enumerate(per_cremona[:3]):
        db.session.add(m.IscrizioneLaboratorio(laboratorio=lab, beneficiaria=donna, data_iscrizione=d(2023, 3, 1)))
        for j, sess in enumerate(sessioni):
            db.session.add(m.Presenza(sessione=sess, beneficiaria=donna, presente=(i + j) % 3 != 2))
    db.session.add(m.ModelloLaboratorio(titolo="Modello del laboratorio di empowerment", data_formalizzazione=d(2023, 9, 1),
                                        data_validazione=d(2023, 9, 20), validato_da="Cabina di Regia"))
    db.session.add(m.Accordo(controparte="ALER Brescia-Cremona-Mantova", tipo="protocollo", area="abitare",
                             data_firma=d(2023, 2, 15), stato="firmato", note="Accordo di esempio"))
    evento = m.EventoFormativo(data=d(2023, 10, 12), tema="Diffusione del modello del laboratorio", ambito=None)
    db.session.add(evento)
    db.session.flush()
    for nome_ente, numero in [("Centro Antiviolenza di Cremona", 4), ("Azienda Sociale del Cremonese", 3),
                              ("Centro per l'Impiego di Crema", 2)]:
        ente = db.session.execute(select(m.Ente).where(m.Ente.nome == nome_ente)).scalar_one()
        db.session.add(m.PartecipazioneEvento(evento=evento, ente=ente, numero_operatori=numero))
    db.session.commit()
    _spesa_demo(capofila, None, "I-LABORATORIO", "1200.00", d(2023, 3, 31), "DEMO-LAB-1")
    return True
