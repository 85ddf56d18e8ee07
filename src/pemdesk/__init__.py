"""pemdesk: offline-first Participatory Environmental Monitoring of mining in Mongolia."""

__version__ = "0.1.0"
