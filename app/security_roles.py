"""The roles of the network as data: (view name regex, permission regex) pairs.

Flask-AppBuilder checks these "builtin roles" in memory (FAB_ROLES), so a role's powers are
read here, in one table, not scattered over the permission tables. Resources use two
permissions, can_read and can_write (app.security maps every FAB method onto them).
Which ROWS a role sees is decided separately, in app.security.perimetro_di().
"""

RUOLO_AMMINISTRATORE = "Amministratore"
RUOLO_CAPOFILA = "Capofila"
RUOLO_CAV = "Operatrice CAV"
RUOLO_EQUIPE = "Equipe territoriale"
RUOLO_SERVIZI = "Servizi"
RUOLO_REGIONE = "Regione"
# Confirms who may see her CAV's women (the two-person rule); held together with Operatrice CAV.
RUOLO_RESPONSABILE_CAV = "Responsabile CAV"
RUOLI = (RUOLO_AMMINISTRATORE, RUOLO_CAPOFILA, RUOLO_CAV, RUOLO_EQUIPE, RUOLO_SERVIZI, RUOLO_REGIONE,
         RUOLO_RESPONSABILE_CAV)


def _risorse(*nomi):
    return "^(" + "|".join(nomi) + ")$"


# Every signed-in user: her own profile and password, the menu.
_PROFILO = [
    ("^(UserDBModelView|UtenteModelView)$", "^(can_userinfo|resetmypassword|userinfoedit)$"),
    ("^(ResetMyPasswordView|UserInfoEditView)$", "^can_this_form_(get|post)$"),
    ("^MenuApi$", "^can_get$"),
    # The API's description (no data): /api/v1/_openapi and the Swagger UI.
    ("^OpenApi$", "^can_get$"),
    ("^SwaggerView$", "^can_show$"),
]
_LEGGE = "^can_read$"
_SCRIVE = "^can_(read|write)$"
_MENU = "^menu_access$"
_TRANSITA = "^can_(read|transition)$"
_MENU_PERCORSO = ("Da fare", "Segnalazioni", "Valutazioni", "Micro-équipe", "Progetti", "Colloqui CPI",
                  "Interventi", "Esiti e follow-up")
_MENU_ASSE1 = ("Asse I", "Laboratori", "Sessioni del laboratorio", "Iscrizioni al laboratorio",  # asse1
               "Presenze al laboratorio", "Modello del laboratorio", "Eventi formativi", "Accordi")  # asse1

FAB_ROLES = {
    # Users and enti; no personal data, no case records.
    RUOLO_AMMINISTRATORE: _PROFILO + [
        ("^(UserDBModelView|UtenteModelView)$", ".*"),
        ("^ResetPasswordView$", "^can_this_form_(get|post)$"),
        # Roles are data (this file): renaming one or editing its permissions would move
        # powers around without the two-person rule.
        ("^RoleModelView$", "^can_(list|show)$"),
        (_risorse("Abilitazione"), _LEGGE),  # utenti
        (_risorse("Abilitazioni", "Abilitazioni da confermare", "Storico abilitazioni"), _MENU),  # utenti
        (_risorse("Ente", "Ambito"), _SCRIVE),
        (_risorse("Catalogo"), _LEGGE),
        (_risorse("Security", "List Users", "List Roles", "Rete", "Enti", "Ambiti",
                  "Programma", "Voci di spesa", "Assi e priorità"), _MENU),
        (_risorse("Audit"), _LEGGE),  # audit: read only, for everyone; nobody writes it
        (_risorse("Registro di audit"), _MENU),  # audit
    ],
    RUOLO_CAPOFILA: _PROFILO + [
        (_risorse("Beneficiaria", "AltraMisura", "Segnalazione", "Valutazione", "MicroEquipe", "ColloquioCPI",
                  "Intervento", "EsitoProgetto", "DaFare"), _LEGGE),
        (_risorse("Progetto"), _TRANSITA),
        (_risorse(*_MENU_PERCORSO), _MENU),
        (_risorse("Spesa"), _SCRIVE),
        (_risorse("Rendicontazione"), _LEGGE),
        (_risorse("Contabilità", "Spese", "Rendicontazione"), _MENU),
        (_risorse("Ente", "Ambito", "Catalogo"), _LEGGE),
        (_risorse("Rete", "Enti", "Ambiti", "Beneficiarie", "Casi", "Programma", "Voci di spesa",
                  "Assi e priorità"), _MENU),
        (_risorse("Laboratorio", "ModelloLaboratorio", "EventoFormativo", "Accordo"), _SCRIVE),  # asse1
        (_risorse("Cruscotto"), _LEGGE),  # asse1
        (_risorse(*_MENU_ASSE1, "Cruscotto"), _MENU),  # asse1
        (_risorse("Statistiche"), _LEGGE),  # statistiche: counts only, small ones hidden
        (_risorse("Statistiche"), _MENU),
        (_risorse("RelazioneFinale"), _SCRIVE),  # relazione finale: her texts, the document
        (_risorse("Relazione finale"), _MENU),
        (_risorse("PeriodoRendicontazione"), _SCRIVE),  # periodi: records and closes them
        (_risorse("Periodi di rendicontazione"), _MENU),
    ],
    RUOLO_CAV: _PROFILO + [
        (_risorse("Beneficiaria", "DatiPersonali", "Consenso", "DerogaConsenso", "AltraMisura", "Segnalazione",
                  "MicroEquipe", "ColloquioCPI", "Intervento", "EsitoProgetto"), _SCRIVE),
        (_risorse("Progetto"), "^can_(read|write|transition)$"),
        (_risorse("Spesa"), _SCRIVE),
        (_risorse("Rendicontazione"), _LEGGE),
        (_risorse("Contabilità", "Spese", "Rendicontazione"), _MENU),
        (_risorse("Valutazione", "DaFare"), _LEGGE),
        (_risorse(*_MENU_PERCORSO), _MENU),
        (_risorse("Ente", "Ambito", "Catalogo"), _LEGGE),
        (_risorse("Rete", "Enti", "Beneficiarie", "Registra una donna", "Importa da Excel", "Dati personali", "Casi",
                  "Consensi",
                  "Deroghe al consenso", "Altre misure", "Programma", "Voci di spesa"), _MENU),
        (_risorse("Laboratorio"), _SCRIVE),  # asse1
        (_risorse("ModelloLaboratorio", "EventoFormativo", "Accordo"), _LEGGE),  # asse1
        (_risorse(*_MENU_ASSE1), _MENU),  # asse1
        (_risorse("Abilitazione"), _LEGGE),  # utenti: who was given access to her CAV
        (_risorse("Abilitazioni", "Storico abilitazioni"), _MENU),  # utenti
        (_risorse("AccessiDatiPersonali"), _LEGGE),  # audit: who read her data (holding CAV only)
    ],
    # With Operatrice CAV (which gives her the CAV's work): confirms or refuses access to her CAV.
    RUOLO_RESPONSABILE_CAV: _PROFILO + [
        (_risorse("Abilitazione"), "^can_(read|decide)$"),
        (_risorse("Abilitazioni", "Abilitazioni da confermare", "Storico abilitazioni"), _MENU),
    ],
    RUOLO_EQUIPE: _PROFILO + [
        (_risorse("Beneficiaria", "AltraMisura", "Segnalazione", "ColloquioCPI", "Intervento", "EsitoProgetto",
                  "DaFare"), _LEGGE),
        (_risorse("Valutazione", "MicroEquipe"), _SCRIVE),
        (_risorse("Progetto"), _TRANSITA),
        (_risorse(*_MENU_PERCORSO), _MENU),
        (_risorse("Ente", "Ambito", "Catalogo"), _LEGGE),
        (_risorse("Rete", "Enti", "Beneficiarie", "Casi", "Programma", "Voci di spesa"), _MENU),
        (_risorse("Laboratorio", "ModelloLaboratorio", "EventoFormativo", "Accordo", "Cruscotto"), _LEGGE),  # asse1
        (_risorse(*_MENU_ASSE1, "Cruscotto"), _MENU),  # asse1
    ],
    RUOLO_SERVIZI: _PROFILO + [
        (_risorse("Beneficiaria", "MicroEquipe", "Valutazione", "DaFare"), _LEGGE),
        (_risorse("Segnalazione", "ColloquioCPI", "Intervento", "EsitoProgetto"), _SCRIVE),
        (_risorse("Progetto"), _TRANSITA),
        (_risorse(*_MENU_PERCORSO), _MENU),
        (_risorse("Ente", "Ambito", "Catalogo"), _LEGGE),
        (_risorse("Rete", "Enti", "Beneficiarie", "Casi"), _MENU),
    ],
    # Aggregates and exports only: no individual record screen.
    RUOLO_REGIONE: _PROFILO + [
        (_risorse("Catalogo", "Rendicontazione", "PeriodoRendicontazione"), _LEGGE),
        (_risorse("Contabilità", "Rendicontazione", "Periodi di rendicontazione"), _MENU),
        (_risorse("Programma", "Voci di spesa", "Assi e priorità"), _MENU),
        (_risorse("Cruscotto"), _LEGGE),  # asse1
        (_risorse("Cruscotto"), _MENU),  # asse1
        (_risorse("Statistiche"), _LEGGE),  # statistiche: counts only, small ones hidden
        (_risorse("Statistiche"), _MENU),
    ],
}
