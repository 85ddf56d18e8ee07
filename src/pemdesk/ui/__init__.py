"""The Qt desktop program: a thin layer over the Qt-free core in ``pemdesk``.

Start-up: the store (sqlite-utils, and numpy which it imports) is imported by the database thread
while the window is being built, not before it (see ``main_window._open_store``).
"""
