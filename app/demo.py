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
    RUOLO_AMMINISTRATORE, RUOLO_CAPOFILA, RUOLO_CAV, RUOLO_EQUIPE, RUOLO_REGIONE, RUOLO_SERVIZI,
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
    rnd = random.Random(2022)
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
    from app.servizi import prossimo_codice

    sm = current_app.appbuilder.sm
    ambiti = {nome: _get_or_create(m.Ambito, {"nome": nome}, codice=codice) for codice, nome in AMBITI}
    enti = {
        nome: _get_or_create(m.Ente, {"nome": nome}, tipo=tipo, ambito=ambiti.get(amb))
        for nome, tipo, amb in ENTI
    }
    utenti = []
    for username, ruolo, ente, nome, cognome in UTENTI:
        user = sm.find_user(username=username)
        if user is None:
            user = sm.add_user(username, nome, cognome, f"{username}@esempio.invalid", sm.find_role(ruolo),
                               password=password)
        user.ente_id = enti[ente].id
        utenti.append((username, ruolo))
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
        db.session.add(m.Consenso(beneficiaria=b, tipo="condivisione_rete", data=d["presa_in_carico"],
                                  ambito_consenso="Condivisione pseudonima con équipe e capofila"))
        nuove += 1
    db.session.commit()
    totale = db.session.query(m.Beneficiaria).count()
    return {"utenti": utenti, "nuove_beneficiarie": nuove, "beneficiarie": totale}
