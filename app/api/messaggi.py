"""Italian messages for marshmallow's validation errors (the API's 422 bodies)."""
import marshmallow
from marshmallow import fields

_MESSAGGI = {
    marshmallow.Schema: {"type": "Tipo di dato non valido.", "unknown": "Campo sconosciuto."},
    fields.Field: {"required": "Campo obbligatorio.", "null": "Il campo non può essere vuoto.",
                   "validator_failed": "Valore non valido."},
    fields.String: {"invalid": "Testo non valido.", "invalid_utf8": "Testo non valido (UTF-8)."},
    fields.Number: {"invalid": "Numero non valido.", "too_large": "Numero troppo grande."},
    fields.Integer: {"invalid": "Numero intero non valido."},
    fields.Decimal: {"special": "Valore numerico non ammesso."},
    fields.Boolean: {"invalid": "Valore sì/no non valido."},
    fields.Date: {"invalid": "Data non valida (AAAA-MM-GG).", "format": "Data non valida."},
    fields.DateTime: {"invalid": "Data e ora non valide.", "format": "Data e ora non valide."},
    fields.Email: {"invalid": "Indirizzo e-mail non valido."},
}


def installa() -> None:
    for classe, messaggi in _MESSAGGI.items():
        attributo = "_default_error_messages" if classe is marshmallow.Schema else "default_error_messages"
        getattr(classe, attributo).update(messaggi)
