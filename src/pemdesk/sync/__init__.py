"""Sync: the shared wire protocol, the client, and the server (``pemdesk.sync.server``).

``protocol`` is imported by both ends; the server never imports the client's store or the UI.
"""
