"""Importing the spreadsheets offices send: read (python-calamine, csv) -> find the header ->
map columns (aliases as data) -> clean (NFC, TCVN3/VNI, numbers, ticks, communes, ethnicity,
status words) -> validate -> report -> commit as one batch, all rows or none.

``import_file(db, content, file_name, ...)`` is the one entry point; the CLI ``import`` command
and the Data page both call it.
"""

from .core import import_file
from .header import KINDS
from .report import ImportReport, Issue

__all__ = ["import_file", "ImportReport", "Issue", "KINDS"]
