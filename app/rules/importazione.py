"""Import from Excel (issue 13, §1): the template as data, reading a workbook into plain rows,
Italian dates and amounts, the per-cell report, and writing the template and the report.

Pure Python (openpyxl and the standard library): the service (app.servizi.importazione) judges
each row with the same checks as the forms; here only the shape of the file is decided. Every
refusal is an Italian sentence.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

# --- the template -------------------------------------------------------------------------------

TESTO, DATA, IMPORTO, INTERO, SI_NO = "testo", "data", "importo", "intero", "sì/no"


@dataclass(frozen=True)
class Colonna:
    titolo: str  # the header in the file
    chiave: str  # the field it fills
    tipo: str = TESTO
    obbligatoria: bool = False
    nota: str = ""  # what to write, for the Istruzioni sheet


@dataclass(frozen=True)
class Foglio:
    nome: str
    colonne: tuple[Colonna, ...]
    descrizione: str

    def colonna(self, chiave: str) -> Colonna | None:
        return next((c for c in self.colonne if c.chiave == chiave), None)


CF = Colonna("Codice fiscale", "codice_fiscale", obbligatoria=True, nota="della donna: collega le righe dei fogli")
RIF = Colonna("Rif. progetto", "rif_progetto", obbligatoria=True,
              nota="un nome breve scelto da voi (es. P1), unico nel file: collega le spese al progetto")

FOGLI: tuple[Foglio, ...] = (
    Foglio("Donne", (
        CF,
        Colonna("Nome", "nome", obbligatoria=True),
        Colonna("Cognome", "cognome", obbligatoria=True),
        Colonna("Data di nascita", "data_nascita", DATA),
        Colonna("Telefono", "telefono"),
        Colonna("Email", "email"),
        Colonna("Indirizzo", "indirizzo"),
        Colonna("Comune", "comune"),
        Colonna("Data presa in carico", "data_presa_in_carico", DATA, True),
        Colonna("Fascia d'età", "fascia_eta", nota="codice o descrizione (es. 30-39)"),
        Colonna("Cittadinanza", "cittadinanza", nota="italiana, ue, extra_ue, nd"),
        Colonna("Figli minori", "figli_minori", INTERO),
        Colonna("Relazione con l'autore", "relazione_autore", nota="partner, ex_partner, familiare, …"),
        Colonna("Condizione occupazionale", "condizione_occupazionale", nota="disoccupata, inoccupata, …"),
    ), "Profilo e dati personali, una riga per donna. Una donna già registrata dal vostro centro "
       "(stesso codice fiscale) non viene modificata."),
    Foglio("Consensi", (
        CF,
        Colonna("Finalità", "tipo", obbligatoria=True, nota="codice della finalità (es. programma)"),
        Colonna("Data", "data", DATA, True),
        Colonna("Revocato il", "revocato_il", DATA),
    ), "I consensi dati dalla donna, una riga per finalità."),
    Foglio("Altre misure", (
        CF,
        Colonna("Tipo", "tipo", obbligatoria=True, nota="reddito_cittadinanza, fondo_poverta, reddito_liberta, "
                                                        "gol_cluster4, altro"),
        Colonna("Data inizio", "data_inizio", DATA, True),
        Colonna("Data fine", "data_fine", DATA),
        Colonna("Assi coperti", "assi_coperti", nota="es. IV oppure II,IV"),
        Colonna("Note", "note"),
    ), "Le altre misure che la donna riceve (per il controllo del doppio finanziamento)."),
    Foglio("Segnalazioni", (
        CF,
        Colonna("Data segnalazione", "data", DATA, True),
        Colonna("Area richiesta", "area_richiesta", obbligatoria=True, nota="lavoro, abitare, entrambe"),
        Colonna("Esito valutazione", "esito", nota="ammessa, non_ammessa, sospesa (vuoto: in attesa)"),
        Colonna("Data valutazione", "data_valutazione", DATA),
        Colonna("Pronta per il lavoro", "pronta", SI_NO, nota="sì/no, per un'area di lavoro ammessa"),
        Colonna("Motivazione", "motivazione"),
        Colonna("Note", "note", nota="senza dati identificativi"),
    ), "Le segnalazioni all'équipe e il loro esito. Una segnalazione è riconosciuta dalla donna e dalla data."),
    Foglio("Progetti", (
        RIF, CF,
        Colonna("Data segnalazione", "data_segnalazione", DATA, True, "la segnalazione ammessa da cui nasce"),
        Colonna("Area", "area", obbligatoria=True, nota="lavoro, abitare, entrambe"),
        Colonna("Obiettivi", "obiettivi"),
        Colonna("Data inizio", "data_inizio", DATA),
        Colonna("Data fine", "data_fine", DATA),
        Colonna("Budget Asse II", "budget_asse_ii", IMPORTO),
        Colonna("Budget Asse III", "budget_asse_iii", IMPORTO),
        Colonna("Budget Asse IV", "budget_asse_iv", IMPORTO),
        Colonna("Soluzione abitativa intermedia", "soluzione_abitativa_intermedia", SI_NO),
        Colonna("Stato", "stato", nota="bozza, proposto, validato_equipe, validato_capofila, in_corso, "
                                       "concluso, interrotto"),
        Colonna("Data validazione équipe", "data_validazione_equipe", DATA),
        Colonna("Data validazione capofila", "data_validazione_capofila", DATA),
        Colonna("Motivo interruzione", "motivo_interruzione"),
    ), "I progetti con le date delle validazioni già avvenute. Un progetto è riconosciuto dalla donna, dalla "
       "segnalazione, dall'area e dalla data di inizio."),
    Foglio("Spese", (
        RIF,
        Colonna("Voce", "voce", obbligatoria=True, nota="codice della voce di spesa del programma"),
        Colonna("Importo", "importo", IMPORTO, True, "in euro, es. 1.234,56"),
        Colonna("Data", "data", DATA, True),
        Colonna("Fornitore", "fornitore"),
        Colonna("Tipo giustificativo", "giustificativo_tipo", nota="fattura, ricevuta, scontrino, contratto, …"),
        Colonna("Numero giustificativo", "giustificativo_numero", obbligatoria=True),
        Colonna("Data giustificativo", "giustificativo_data", DATA, True),
        Colonna("Tipo quietanza", "quietanza_tipo", nota="come è stata pagata: bonifico, assegno, contanti, carta, "
                                                         "f24, altro"),
        Colonna("Data quietanza", "quietanza_data", DATA, nota="la data del pagamento, non prima del giustificativo"),
        Colonna("Coperta da altra misura", "coperta_da_altra_misura", SI_NO),
        Colonna("Registra anche se non ammissibile", "registra_non_ammissibile", SI_NO,
                nota="sì per una spesa già pagata che non conta nel rendiconto"),
        Colonna("Note", "note"),
    ), "Le spese dei progetti, pagate dal vostro centro. Una spesa è riconosciuta dal giustificativo "
       "(numero e data) del vostro centro: la stessa spesa non viene importata due volte."),
)
ISTRUZIONI = "Istruzioni"
PER_NOME = {f.nome: f for f in FOGLI}


# --- reading ----------------------------------------------------------------------------------

class FileNonValido(ValueError):
    """The file as a whole cannot be read as the template: nothing is imported."""


@dataclass
class Riga:
    foglio: str
    numero: int  # the row number in Excel (the header is 1)
    valori: dict  # chiave -> parsed value (None when empty)
    originali: list  # the cells as read, for the report
    errori: dict = field(default_factory=dict)  # chiave (or "") -> [reasons]

    def errore(self, chiave: str, motivo: str) -> None:
        self.errori.setdefault(chiave or "", []).append(motivo)


_DATA_TESTO = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_IMPORTO_TESTO = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$|^-?\d+\.\d+$")
_VERO = {"sì", "si", "s", "x", "vero", "true", "1", "yes"}
_FALSO = {"no", "n", "falso", "false", "0", ""}


def leggi_data(valore) -> tuple[date | None, str | None]:
    if valore is None or valore == "":
        return None, None
    if isinstance(valore, datetime):
        return valore.date(), None
    if isinstance(valore, date):
        return valore, None
    testo = str(valore).strip()
    trovata = _DATA_TESTO.match(testo)
    if trovata:
        g, m, a = (int(x) for x in trovata.groups())
        try:
            return date(a, m, g), None
        except ValueError:
            pass
    return None, f"Data non valida «{testo[:20]}»: scrivere gg/mm/aaaa."


def leggi_importo(valore) -> tuple[Decimal | None, str | None]:
    if valore is None or valore == "":
        return None, None
    if isinstance(valore, bool):
        return None, "Importo non valido."
    if isinstance(valore, (int, float, Decimal)):
        return Decimal(str(valore)), None
    testo = str(valore).strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
    if _IMPORTO_TESTO.match(testo):
        if "," in testo or re.match(r"^-?\d{1,3}(\.\d{3})+$", testo):
            testo = testo.replace(".", "").replace(",", ".")  # Italian: 1.234,56
        try:
            return Decimal(testo), None
        except InvalidOperation:
            pass
    return None, f"Importo non valido «{str(valore)[:20]}»: scrivere ad esempio 1.234,56."


def leggi_intero(valore) -> tuple[int | None, str | None]:
    if valore is None or valore == "":
        return None, None
    if isinstance(valore, bool):
        return None, "Scrivere un numero intero."
    if isinstance(valore, float) and valore.is_integer():
        return int(valore), None
    if isinstance(valore, int):
        return valore, None
    testo = str(valore).strip()
    return (int(testo), None) if testo.isdigit() else (None, f"Numero non valido «{testo[:20]}».")


def leggi_si_no(valore) -> tuple[bool | None, str | None]:
    if valore is None:
        return None, None
    if isinstance(valore, bool):
        return valore, None
    testo = str(valore).strip().casefold()
    if testo in _VERO:
        return True, None
    if testo in _FALSO:
        return False, None
    return None, f"Scrivere sì oppure no, non «{str(valore)[:20]}»."


_LETTORI = {DATA: leggi_data, IMPORTO: leggi_importo, INTERO: leggi_intero, SI_NO: leggi_si_no}


def _testo(valore) -> str | None:
    if valore is None:
        return None
    if isinstance(valore, float) and valore.is_integer():
        valore = int(valore)
    if isinstance(valore, (datetime, date)):
        return f"{valore:%d/%m/%Y}"
    testo = str(valore).strip()
    return testo or None


def _normalizza_titolo(t) -> str:
    return re.sub(r"\s+", " ", str(t or "")).strip().casefold()


def _celle_unite(contenuto: bytes) -> bool:
    """Merged cells are refused: read-only openpyxl does not expose them, the sheet XML does."""
    with zipfile.ZipFile(io.BytesIO(contenuto)) as z:
        return any(n.startswith("xl/worksheets/") and n.endswith(".xml") and b"<mergeCell " in z.read(n)
                   for n in z.namelist())


def leggi_cartella(contenuto: bytes, dimensione_massima: int) -> dict[str, list[Riga]]:
    """The rows of each sheet of the template, each value parsed or with its reason; FileNonValido
    (one Italian sentence) when the file is not the template: not an xlsx, too big, a sheet
    missing or with other columns, formulas, merged cells."""
    import openpyxl

    if len(contenuto) > dimensione_massima:
        raise FileNonValido(f"Il file supera la dimensione massima ammessa ({dimensione_massima // (1024 * 1024)} MB).")
    if not zipfile.is_zipfile(io.BytesIO(contenuto)):
        raise FileNonValido("Il file non è una cartella Excel (.xlsx): scaricare il modello dalla pagina di "
                            "importazione e compilarlo.")
    try:
        if _celle_unite(contenuto):
            raise FileNonValido("Il file contiene celle unite: separarle (Home › Unisci e allinea al centro) e "
                                "riprovare.")
        cartella = openpyxl.load_workbook(io.BytesIO(contenuto), read_only=True, data_only=False)
    except FileNonValido:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise FileNonValido("Il file non è una cartella Excel leggibile (.xlsx).") from None
    try:
        mancanti = [f.nome for f in FOGLI if f.nome not in cartella.sheetnames]
        if len(mancanti) == len(FOGLI):
            raise FileNonValido("Il file non è il modello di importazione: nessuno dei fogli attesi ("
                                + ", ".join(f.nome for f in FOGLI) + ").")
        if mancanti:
            raise FileNonValido("Manca il foglio " + ", ".join(f"«{n}»" for n in mancanti)
                                + ": usare il modello scaricato dalla pagina di importazione.")
        return {f.nome: _leggi_foglio(cartella[f.nome], f) for f in FOGLI}
    finally:
        cartella.close()


def _leggi_foglio(ws, foglio: Foglio) -> list[Riga]:
    righe = ws.iter_rows()
    try:
        intestazione = [c.value for c in next(righe)]
    except StopIteration:
        intestazione = []
    attese = [_normalizza_titolo(c.titolo) for c in foglio.colonne]
    trovate = [_normalizza_titolo(v) for v in intestazione]
    while trovate and not trovate[-1]:
        trovate.pop()
    if trovate != attese:
        raise FileNonValido(f"Il foglio «{foglio.nome}» non ha le colonne del modello: attese "
                            + ", ".join(c.titolo for c in foglio.colonne) + ".")
    risultato = []
    for numero, celle in enumerate(righe, start=2):
        originali = [c.value for c in celle][:len(foglio.colonne)]
        originali += [None] * (len(foglio.colonne) - len(originali))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in originali):
            continue
        if any(getattr(c, "data_type", None) == "f" for c in celle):
            raise FileNonValido(f"Il foglio «{foglio.nome}», riga {numero}, contiene una formula: incollare i "
                                "soli valori (Incolla speciale › Valori) e riprovare.")
        riga = Riga(foglio.nome, numero, {}, originali)
        for colonna, valore in zip(foglio.colonne, originali):
            lettore = _LETTORI.get(colonna.tipo)
            if lettore is None:
                riga.valori[colonna.chiave] = _testo(valore)
            else:
                riga.valori[colonna.chiave], motivo = lettore(valore)
                if motivo:
                    riga.errore(colonna.chiave, motivo)
            if colonna.obbligatoria and riga.valori[colonna.chiave] in (None, "") and colonna.chiave not in riga.errori:
                riga.errore(colonna.chiave, "Campo obbligatorio.")
        risultato.append(riga)
    return risultato


def scelta(valore: str | None, opzioni: dict[str, str]) -> str | None:
    """A choice written as its code or its label (case and spaces ignored); None if unknown."""
    if valore is None:
        return None
    cercato = _normalizza_titolo(valore).replace("–", "-")
    for codice, etichetta in opzioni.items():
        if cercato in (codice.casefold(), _normalizza_titolo(etichetta).replace("–", "-")):
            return codice
    return None


def motivo_scelta(valore: str, opzioni: dict[str, str]) -> str:
    return f"Valore «{valore[:40]}» non previsto: scegliere tra " + ", ".join(opzioni) + "."


# --- projects recorded with their past decisions -------------------------------------------------

STATI_VALIDATI_EQUIPE = ("validato_equipe", "validato_capofila", "in_corso", "concluso")


def motivi_progetto_importato(stato: str, obiettivi: str, data_inizio: date | None, data_fine: date | None,
                              data_valutazione: date | None, data_equipe: date | None,
                              data_capofila: date | None, usa_fondi_regionali: bool,
                              motivo_interruzione: str) -> dict[str, list[str]]:
    """A project imported in the state it reached on paper: the validations its state needs, in
    order (segnalazione ammessa, équipe, capofila), dated. Field -> reasons; {} when coherent."""
    errori: dict[str, list[str]] = {}

    def no(campo, motivo):
        errori.setdefault(campo, []).append(motivo)

    avanzato = stato != "bozza"
    if avanzato and not (obiettivi or "").strip():
        no("obiettivi", "Il progetto non ha obiettivi.")
    if avanzato and data_inizio is None:
        no("data_inizio", "Manca la data di inizio del progetto.")
    if stato in STATI_VALIDATI_EQUIPE and data_equipe is None:
        no("data_validazione_equipe", "Per questo stato serve la data di validazione dell'équipe.")
    if stato in ("bozza", "proposto") and (data_equipe or data_capofila):
        no("stato", "Un progetto in bozza o proposto non ha date di validazione.")
    if usa_fondi_regionali and stato in ("validato_capofila", "in_corso", "concluso") and data_capofila is None:
        no("data_validazione_capofila", "Il progetto usa fondi regionali: serve la data di validazione del capofila.")
    if stato == "validato_capofila" and data_capofila is None and "data_validazione_capofila" not in errori:
        no("data_validazione_capofila", "Per questo stato serve la data di validazione del capofila.")
    if data_capofila and data_equipe is None:
        no("data_validazione_equipe", "Il capofila valida dopo l'équipe: manca la data dell'équipe.")
    if data_capofila and data_equipe and data_capofila < data_equipe:
        no("data_validazione_capofila", "La validazione del capofila precede quella dell'équipe.")
    if data_equipe and data_valutazione and data_equipe < data_valutazione:
        no("data_validazione_equipe", "La validazione dell'équipe precede l'ammissione della segnalazione.")
    if stato in ("concluso", "interrotto") and data_fine is None:
        no("data_fine", "Un progetto concluso o interrotto ha la data di fine (la data di chiusura).")
    if stato == "interrotto" and not (motivo_interruzione or "").strip():
        no("motivo_interruzione", "Indica il motivo dell'interruzione.")
    return errori


def motivi_date_in_ordine(inizio: date | None, fine: date | None) -> list[str]:
    return ["La data di fine precede la data di inizio."] if inizio and fine and fine < inizio else []


# --- writing the template and the report --------------------------------------------------------

def _stile_intestazione(ws, colonne: int) -> None:
    from openpyxl.styles import Font, PatternFill

    for c in ws[1][:colonne]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDDDDD")
    for c in ws[1][:colonne]:
        ws.column_dimensions[c.column_letter].width = max(14, min(40, len(str(c.value or "")) + 4))
    ws.freeze_panes = "A2"


def scrivi_modello(voci: list[tuple[str, str]], finalita: list[tuple[str, str]]) -> bytes:
    """The template: the Istruzioni sheet, then one empty sheet per kind with its headers."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ist = wb.active
    ist.title = ISTRUZIONI
    righe = [
        ["Importazione da Excel — istruzioni"],
        [],
        ["Compilare un foglio per tipo di dato, senza cambiare nomi dei fogli né intestazioni. Le righe "
         "vuote sono ignorate. Niente formule né celle unite."],
        ["Le date si scrivono come date di Excel oppure come testo gg/mm/aaaa; gli importi come numeri o "
         "come testo con la virgola decimale (1.234,56)."],
        ["Le righe dei fogli sono collegate dal codice fiscale della donna; le spese al progetto dal "
         "«Rif. progetto»; un progetto alla sua segnalazione dalla «Data segnalazione»."],
        ["Prima si prova il file (nessun dato è scritto): il resoconto indica riga e colonna di ogni "
         "errore. L'importazione scrive tutto o niente; ripetere lo stesso file non crea nulla di nuovo."],
        [],
    ]
    for foglio in FOGLI:
        righe.append([f"Foglio «{foglio.nome}»: {foglio.descrizione}"])
        for c in foglio.colonne:
            righe.append(["", c.titolo, "obbligatoria" if c.obbligatoria else "", c.tipo, c.nota])
        righe.append([])
    righe.append(["Finalità del consenso"])
    righe += [["", codice, descrizione] for codice, descrizione in finalita]
    righe.append([])
    righe.append(["Voci di spesa"])
    righe += [["", codice, descrizione] for codice, descrizione in voci]
    for r in righe:
        ist.append(r)
    ist["A1"].font = Font(bold=True, size=14)
    ist.column_dimensions["A"].width = 12
    ist.column_dimensions["B"].width = 34
    ist.column_dimensions["E"].width = 60
    for foglio in FOGLI:
        ws = wb.create_sheet(foglio.nome)
        ws.append([c.titolo for c in foglio.colonne])
        _stile_intestazione(ws, len(foglio.colonne))
    uscita = io.BytesIO()
    wb.save(uscita)
    return uscita.getvalue()


COLONNA_ERRORI = "Errori"


def scrivi_resoconto(righe: dict[str, list[Riga]], esiti: dict[str, list[str]] | None = None) -> bytes:
    """The report: each sheet as it was read, the cells in error in red with the reason as a
    comment, and a last column «Errori» with every reason of the row (column: reason)."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    rosso = PatternFill("solid", fgColor="F4B6B6")
    wb = openpyxl.Workbook()
    riepilogo = wb.active
    riepilogo.title = "Resoconto"
    riepilogo.append(["Foglio", "Righe lette", "Righe con errori"])
    for foglio in FOGLI:
        elenco = righe.get(foglio.nome, [])
        riepilogo.append([foglio.nome, len(elenco), sum(1 for r in elenco if r.errori)])
    for riga in esiti or ():
        riepilogo.append([riga])
    _stile_intestazione(riepilogo, 3)
    for foglio in FOGLI:
        ws = wb.create_sheet(foglio.nome)
        ws.append([c.titolo for c in foglio.colonne] + [COLONNA_ERRORI])
        _stile_intestazione(ws, len(foglio.colonne) + 1)
        indice = {c.chiave: i for i, c in enumerate(foglio.colonne)}
        for riga in righe.get(foglio.nome, []):
            ws.append([_cella(v) for v in riga.originali] + [testo_errori(riga, foglio)])
            n = ws.max_row
            for chiave, motivi in riga.errori.items():
                if chiave in indice:
                    cella = ws.cell(row=n, column=indice[chiave] + 1)
                    cella.fill = rosso
                    cella.comment = Comment(" ".join(motivi), "L.I.A. 2")
    uscita = io.BytesIO()
    wb.save(uscita)
    return uscita.getvalue()


def _cella(valore):
    if isinstance(valore, str) and valore.startswith(("=", "+", "-", "@")):
        return "'" + valore  # never a formula in what we hand back
    return valore


def testo_errori(riga: Riga, foglio: Foglio) -> str:
    parti = []
    for chiave, motivi in riga.errori.items():
        colonna = foglio.colonna(chiave)
        parti.append((f"{colonna.titolo}: " if colonna else "") + " ".join(motivi))
    return "; ".join(parti)
