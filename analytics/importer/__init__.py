"""Importing the spreadsheets offices send: read (python-calamine, csv) -> find the header ->
map columns (aliases as data) -> clean (NFC, TCVN3/VNI, numbers, ticks, communes, ethnicity,
status words) -> validate -> report -> commit as one batch, all rows or none.

``import_file(db, content, file_name, ...)`` (``pipeline``) is the one entry point; the CLI
``import`` command and the Data page both call it. Each kind of file (households, commune totals,
indicators, budget) is one module of ``kinds/`` behind ``ImportKind`` (``importkind``); ``KINDS``
names them.
"""

from .kinds import KINDS
from .pipeline import import_file
from .report import ImportReport, Issue

__all__ = ["import_file", "ImportReport", "Issue", "KINDS"]
