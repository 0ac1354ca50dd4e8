"""Italian messages for marshmallow's validation errors and FAB's own answers (the API's 4xx bodies).

Validators and fields copy their messages when they are built, so `installa()` runs before any
API class or schema exists (at the import of app.api). No message echoes the value sent.
"""
import marshmallow
from flask_appbuilder.api import BaseApi
from marshmallow import fields, validate
from marshmallow_sqlalchemy.fields import Related

_MESSAGGI = {
    marshmallow.Schema: {"type": "Tipo di dato non valido.", "unknown": "Campo sconosciuto."},
    fields.Field: {"required": "Campo obbligatorio.", "null": "Il campo non può essere vuoto.",
                   "validator_failed": "Valore non valido."},
    fields.String: {"invalid": "Testo non valido.", "invalid_utf8": "Testo non valido (UTF-8)."},
    fields.Number: {"invalid": "Numero non valido.", "too_large": "Numero troppo grande."},
    fields.Integer: {"invalid": "Numero intero non valido."},
    fields.Float: {"special": "Valore numerico non ammesso."},
    fields.Decimal: {"special": "Valore numerico non ammesso."},
    fields.Boolean: {"invalid": "Valore sì/no non valido."},
    fields.Date: {"invalid": "Data non valida (AAAA-MM-GG).", "format": "Data non valida."},
    fields.DateTime: {"invalid": "Data e ora non valide.", "format": "Data e ora non valide.",
                      "invalid_awareness": "Data e ora non valide."},
    fields.Email: {"invalid": "Indirizzo e-mail non valido."},
    fields.List: {"invalid": "Serve un elenco."},
    fields.Nested: {"type": "Tipo di dato non valido."},
    Related: {"invalid": "Record collegato non valido."},
}

# Class attributes the validators format when built: {min}, {max}, {choices}… stay placeholders.
_VALIDATORI = {
    validate.Length: {"message_min": "Almeno {min} caratteri.", "message_max": "Al massimo {max} caratteri.",
                      "message_all": "Da {min} a {max} caratteri.", "message_equal": "Esattamente {equal} caratteri."},
    validate.Range: {"message_min": "Deve essere {min_op} {{min}}.", "message_max": "Deve essere {max_op} {{max}}.",
                     "message_all": "Deve essere {min_op} {{min}} e {max_op} {{max}}.",
                     "message_gte": "almeno", "message_gt": "maggiore di", "message_lte": "al massimo",
                     "message_lt": "minore di"},
    validate.OneOf: {"default_message": "Valore non ammesso: scegliere tra {choices}."},
    validate.Email: {"default_message": "Indirizzo e-mail non valido."},
    validate.Regexp: {"default_message": "Formato non valido."},
    validate.URL: {"default_message": "Indirizzo web non valido."},
    validate.Equal: {"default_message": "Valore non ammesso."},
}

# FAB's fixed English answers (response_4xx, the rison decorator, filters and ordering), by prefix.
RISPOSTE_FAB = {
    "Arguments are not correct": "Parametri della richiesta non validi.",
    "Could not process entity": "Dati non validi.",
    "Not authorized": "Autenticazione richiesta.",
    "Forbidden": "Operazione non consentita per il tuo ruolo.",
    "Not found": "Record inesistente o non visibile per te.",
    "Not a valid rison": "Parametro «q» non valido.",
    "Filter column": "Filtro non ammesso su questo campo.",
    "Filter operation": "Operatore di filtro non ammesso su questo campo.",
    "Invalid order by column": "Ordinamento non ammesso su questo campo.",
    "Fatal error": "Si è verificato un errore interno.",
    "Internal error": "Si è verificato un errore interno.",
}


def in_italiano(messaggio):
    """FAB's English message in Italian; any other message (ours, marshmallow's dicts) as it is."""
    if isinstance(messaggio, str):
        for inglese, italiano in RISPOSTE_FAB.items():
            if messaggio.startswith(inglese):
                return italiano
    return messaggio


class RisposteItaliane:
    """Mixin for every API class: FAB's own English answers (404, 403, a bad `q`…) in Italian."""

    @staticmethod
    def response(code: int, **kwargs):
        if code >= 400 and "message" in kwargs:
            kwargs["message"] = in_italiano(kwargs["message"])
        return BaseApi.response(code, **kwargs)


def installa() -> None:
    for classe, messaggi in _MESSAGGI.items():
        attributo = "_default_error_messages" if classe is marshmallow.Schema else "default_error_messages"
        getattr(classe, attributo).update(messaggi)
    for classe, attributi in _VALIDATORI.items():
        for nome, testo in attributi.items():
            setattr(classe, nome, testo)
