"""Instrument and sensor data: importers, quality control, corrections and averaging.

Qt-free. A file becomes a :class:`~pemdesk.instruments.model.ParsedFile` (series of UTC epoch
seconds and values in the catalogue's units) through ``formats.read_file``; ``qc`` flags readings
without ever changing a raw value; ``corrections`` derive corrected values with provenance;
``aggregate`` makes hourly, 24-hour and annual means the way the limits in the catalogue are
defined. Storage lives in ``pemdesk.storage.readings``.
"""
