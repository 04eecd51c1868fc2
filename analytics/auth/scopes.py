"""Roles and what each may open and do (``data/reference/roles.csv``), the ``Scope`` analytics
functions take to limit household-level reads and imports, and the masking of names and ids for
roles that may not see households."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

import pandas as pd

from ..reference import read_csv
from .base import AuthError, PermissionDenied

# Household columns that identify a person; masked for roles that may not see households.
PERSONAL_COLUMNS = ("household_id", "head_name")
PERMISSIONS = ("export_reports", "export_households", "save_scenarios", "import_data",
               "manage_accounts", "read_audit", "manage_standards")


# -- roles -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Role:
    name: str
    label_vi: str
    label_en: str
    pages: frozenset[str]
    households: str                      # none | assigned | all
    permissions: frozenset[str]

    def label(self, lang: str = "vi") -> str:
        """The role's name in ``lang``."""
        return self.label_en if lang == "en" else self.label_vi


@lru_cache(maxsize=1)
def roles() -> dict[str, Role]:
    """The roles of ``data/reference/roles.csv`` by name, least privileged first."""
    out = {}
    for r in read_csv("roles.csv"):
        out[r["role"]] = Role(
            name=r["role"], label_vi=r["label_vi"], label_en=r["label_en"],
            pages=frozenset((r["pages"] or "").split()), households=r["households"],
            permissions=frozenset(p for p in PERMISSIONS if (r[p] or "").lower() == "true"))
    return out


def role(name: str) -> Role:
    """The role called ``name``; AuthError ``unknown_role`` if there is none."""
    try:
        return roles()[name]
    except KeyError:
        raise AuthError("unknown_role", f"unknown role {name!r}; one of {', '.join(roles())}") from None


# -- scope -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """Who is asking, and which households they may read or import.

    ``communes`` holds (vintage, code) pairs and matters only for roles whose household access
    is ``assigned``; ``all`` sees every commune and ``none`` sees no household rows at all.
    """

    username: str
    role: str
    communes: frozenset[tuple[int, str]] = field(default_factory=frozenset)

    @classmethod
    def system(cls, username: str = "cli") -> "Scope":
        """The scope of the command line, run by whoever holds the database file (full access)."""
        return cls(username=username, role="admin")

    @property
    def role_info(self) -> Role:
        """This scope's Role."""
        return role(self.role)

    def can(self, permission: str) -> bool:
        """Whether the role has ``permission`` (one of PERMISSIONS)."""
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        return permission in self.role_info.permissions

    def require(self, permission: str) -> None:
        """Raise PermissionDenied unless the role has ``permission``."""
        if not self.can(permission):
            raise PermissionDenied(f"{self.username} ({self.role}) may not {permission}")

    def may_open(self, page: str) -> bool:
        """Whether the page (its file stem, e.g. ``data``) is in the role's page list."""
        return page in self.role_info.pages

    @property
    def sees_households(self) -> bool:
        """Whether any household-level row (names, ids) may be shown to this scope."""
        return self.role_info.households != "none"

    @property
    def sees_all_households(self) -> bool:
        """Whether every commune's households may be shown."""
        return self.role_info.households == "all"

    @property
    def household_communes(self) -> frozenset[tuple[int, str]] | None:
        """The (vintage, code) pairs whose households this scope may read, import or roll back
        (None: all; empty for a role that sees no households)."""
        if self.sees_all_households:
            return None
        return frozenset(self.communes) if self.sees_households else frozenset()

    def commune_codes(self, vintage: int) -> frozenset[str] | None:
        """Codes of ``vintage`` whose households this scope may read or import; None = all."""
        if self.sees_all_households:
            return None
        if not self.sees_households:
            return frozenset()
        return frozenset(code for v, code in self.communes if v == int(vintage))

    def allows_commune(self, code: str, vintage: int) -> bool:
        """Whether the households of commune (vintage, code) are within this scope."""
        codes = self.commune_codes(vintage)
        return codes is None or str(code) in codes

    def require_commune(self, code: str, vintage: int) -> None:
        """Raise PermissionDenied unless commune (vintage, code) is within this scope."""
        if not self.allows_commune(code, vintage):
            raise PermissionDenied(f"{self.username} ({self.role}) may not use the households "
                                   f"of commune {code} ({vintage})")

    def household_filter(self, vintage_col: str = "commune_vintage",
                         code_col: str = "commune_code") -> tuple[str, list]:
        """A SQL condition and its parameters limiting household rows to this scope."""
        for col in (vintage_col, code_col):
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", col):
                raise ValueError(f"not a column name: {col!r}")
        if self.sees_all_households:
            return "TRUE", []
        if not self.sees_households or not self.communes:
            return "FALSE", []
        pairs = sorted(self.communes)
        sql = " OR ".join(f"({vintage_col} = ? AND {code_col} = ?)" for _ in pairs)
        return f"({sql})", [x for pair in pairs for x in pair]

    def filter_households(self, frame: pd.DataFrame, *, code_col: str = "commune_code",
                          vintage_col: str = "commune_vintage",
                          vintage: int | None = None) -> pd.DataFrame:
        """The rows of a household-level frame within this scope (none for aggregate roles).

        The vintage comes from ``vintage_col`` or, if the frame has none, from ``vintage``."""
        if self.sees_all_households:
            return frame
        if not self.sees_households or frame.empty:
            return frame.iloc[0:0]
        if vintage_col in frame.columns:
            keys = list(zip(frame[vintage_col].astype(int), frame[code_col].astype(str)))
            keep = [k in self.communes for k in keys]
        else:
            if vintage is None:
                raise ValueError("the frame has no vintage column: pass vintage=")
            codes = self.commune_codes(vintage)
            keep = frame[code_col].astype(str).isin(codes).tolist()
        return frame[keep]

    def mask(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with names and ids masked unless this scope may see households."""
        return frame if self.sees_households else mask_frame(frame)


# -- masking ---------------------------------------------------------------------------------
def mask_name(name) -> str | None:
    """'Nguyễn Văn An' -> 'N***** V** A*': only each word's initial survives."""
    if name is None or (isinstance(name, float) and name != name):
        return None
    words = str(name).split()
    return " ".join(w[0] + "*" * max(len(w) - 1, 1) for w in words) or "***"


def mask_id(value) -> str | None:
    """'25327-0042' -> '********42': only the last two characters survive."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    return "*" * max(len(text) - 2, 3) + text[-2:] if len(text) > 4 else "****"


def mask_frame(frame: pd.DataFrame, columns: Iterable[str] = PERSONAL_COLUMNS) -> pd.DataFrame:
    """A copy of ``frame`` with its name and id columns masked (other columns untouched)."""
    out = frame.copy()
    for col in columns:
        if col in out.columns:
            fn = mask_name if "name" in col else mask_id
            out[col] = out[col].map(fn)
    return out
