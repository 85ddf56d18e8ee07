"""The Qt desktop program: a thin layer over the Qt-free core in ``pemdesk``."""
