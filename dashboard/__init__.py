"""Everything Streamlit that is not a page: the pages (``pages/*.py``) and ``app.py`` import from
here and from ``analytics``.

The modules depend one way, each only on those above it in this list:

- ``base``: the database resource, the data version, the session's language and labels, text
  shown as typed, readable errors.
- ``reads``: the analytics reads, cached on the data version (``reads.commune_table(year)``).
- ``landing``: what the overview reads, computed ahead while the login form waits.
- ``session``: the login gate, the user's scope, audited downloads.
- ``view``: the sidebar settings kept in the URL, the page header, the start of a dashboard page.
- ``display``: charts (built from cached inputs), blocks, downloads, the meeting deck.
- ``report_buttons``: the report pack and slide deck downloads.
"""
