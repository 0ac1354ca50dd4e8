"""What logging in needs beyond FAB's user table: lockout, the session seal, the second factor.

Kept in tables of their own (one row per user, created at her first login attempt) so that
FAB's `ab_user` stays FAB's. The logic is in app.autenticazione.
"""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String

from app.crypto import TestoCifrato


class AccessoUtente(Model):
    __tablename__ = "lia_accesso_utente"
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    # Copied into every session and JWT at login; a new value ends them all (logout, new
    # password, deactivation, second factor reset).
    sigillo = Column(String(64), nullable=False)
    fallimenti = Column(Integer, nullable=False, default=0)
    primo_fallimento = Column(DateTime, nullable=True)  # start of the counting window
    bloccato_fino = Column(DateTime, nullable=True)
    totp_segreto = Column(TestoCifrato, nullable=True)  # Fernet, like DatiPersonali
    totp_attivo_dal = Column(DateTime, nullable=True)
    # The last TOTP time step accepted: a code is good once, even within its 30 seconds.
    totp_ultimo_passo = Column(Integer, nullable=True)


class CodiceRecupero(Model):
    """One of the ten recovery codes, stored as a SHA-256 digest (the codes are random, 50
    bits each: a slow password hash would add nothing but ten slow checks per use)."""

    __tablename__ = "lia_codice_recupero"
    __table_args__ = {"sqlite_autoincrement": True}  # a used code's id is never handed out again
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    impronta = Column(String(64), nullable=False)
    usato_il = Column(DateTime, nullable=True)
