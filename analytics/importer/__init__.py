"""Importing the spreadsheets offices send: read, find the header, map, clean, validate, commit."""
