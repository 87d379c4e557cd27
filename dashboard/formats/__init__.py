"""The site's own date formats per language (``FORMAT_MODULE_PATH``), over Django's defaults.

Only what differs from Django's locale data: a 24-hour clock in English too, and short month
names in dates (``1 Dec 2026``, ``1. Dez. 2026``). Numbers keep Django's separators
(``1,234.5`` and ``1.234,5``). A new language without a module here gets Django's formats.
"""
