"""The bottom of the dashboard package: the process's database resource and its data version,
the session's language and labels, user text shown as typed, readable errors. Imports no other
module of ``dashboard``."""

from __future__ import annotations

import logging
import re
import sys
import uuid

import streamlit as st

from analytics import auth, unit_names
from analytics.db import Database, DatabaseError, default_db_path
from analytics.i18n import DEFAULT_LANGUAGE, LANGUAGES, both, t

LOG = logging.getLogger("dashboard")


@st.cache_resource
def get_db() -> Database:
    """The process's single read-write connection (DuckDB allows one writer per file). A database
    without accounts gets a one-time code for its first administrator, printed on the server's
    terminal only (the login page asks for it)."""
    db = Database(default_db_path())
    unit_names.warm_registry_names(db)
    code = auth.issue_setup_code(db)
    if code:
        print(both("setup_code_printed", code=code), file=sys.stderr, flush=True)
    return db


def report_unexpected_error(exc: BaseException) -> None:
    """An error no page foresaw: a short message with a reference on the page, the details
    (traceback, paths) only in the server log under that reference."""
    reference = uuid.uuid4().hex[:8].upper()
    LOG.error("unexpected error, reference %s", reference, exc_info=exc)
    st.error(tr("app_unexpected_error", reference=reference), icon=":material/error:")


def data_version() -> int:
    """The database's data version (changes on every committed write)."""
    return get_db().data_version()


# -- language ------------------------------------------------------------------------------------

def lang() -> str:
    """The session's language code ('vi' or 'en')."""
    value = st.session_state.get("lang")
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def tr(key: str, **values) -> str:
    """The label ``key`` in the session's language."""
    return t(key, lang(), **values)


_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$])")


def as_text(value) -> str:
    """Text from a user (a file name, a name in a file) shown as typed where Streamlit reads
    markdown: its markup characters escaped ("a_b*c*" stays "a_b*c*", not italics)."""
    return _MARKUP.sub(r"\\\1", str(value))


# -- errors --------------------------------------------------------------------------------------

def one_line(exc: BaseException) -> str:
    """An exception's first line (its type when it has no message), at most 300 characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def show_database_error(exc: DatabaseError) -> None:
    """A database problem (locked, read-only) as a readable message."""
    st.error(str(exc), icon=":material/error:")
