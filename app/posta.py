"""Sending e-mail through the SMTP server of the environment (config: LIA_SMTP_*), with the
standard library's smtplib. What an e-mail may say is decided elsewhere (app.rules.promemoria:
codes only); this module only delivers it."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


class PostaNonConfigurata(RuntimeError):
    pass


def configurata() -> bool:
    return bool(current_app.config.get("LIA_SMTP_HOST"))


def invia(destinatario: str, oggetto: str, testo: str) -> None:
    """Delivers one plain-text e-mail; raises smtplib/OSError errors to the caller, who decides
    whether what it recorded as sent stands (it rolls back when delivery failed)."""
    c = current_app.config
    if not configurata():
        raise PostaNonConfigurata("Invio e-mail non configurato: impostare LIA_SMTP_HOST (vedi README).")
    msg = EmailMessage()
    msg["From"] = c["LIA_MITTENTE"]
    msg["To"] = destinatario
    msg["Subject"] = oggetto
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=c["LIA_MITTENTE"].rpartition("@")[2] or None)
    msg.set_content(testo)
    sicurezza = c.get("LIA_SMTP_SICUREZZA", "starttls")
    if sicurezza not in ("starttls", "ssl", "nessuna"):
        raise PostaNonConfigurata(f"LIA_SMTP_SICUREZZA «{sicurezza}» non valida: starttls, ssl o nessuna.")
    contesto = ssl.create_default_context()
    classe = smtplib.SMTP_SSL if sicurezza == "ssl" else smtplib.SMTP
    argomenti = {"context": contesto} if sicurezza == "ssl" else {}
    with classe(c["LIA_SMTP_HOST"], c["LIA_SMTP_PORT"], timeout=30, **argomenti) as smtp:
        if sicurezza == "starttls":
            smtp.starttls(context=contesto)
        if c.get("LIA_SMTP_UTENTE"):
            smtp.login(c["LIA_SMTP_UTENTE"], c.get("LIA_SMTP_PASSWORD", ""))
        smtp.send_message(msg)
