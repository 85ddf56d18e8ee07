"""Photos as evidence: the content-addressed store, EXIF, import, geotagging, photo points.

Qt-free. ``files`` (paths and files, no database), ``exif`` (metadata), ``importer`` (the import
pipeline), ``geotag`` (placing photos on a track), ``library`` (working with imported photos).
"""

from pemdesk.photos.files import PhotoFiles
from pemdesk.photos.importer import FileResult, ImportOptions, ImportSummary, import_photos

__all__ = ["FileResult", "ImportOptions", "ImportSummary", "PhotoFiles", "import_photos"]
