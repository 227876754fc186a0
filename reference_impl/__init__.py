"""The reference server: one WSGI app (``app``) over a SQLite ``store``, speaking three systems."""
