"""Lambda handlers deployed by the library's custom resources (each folder is one Lambda asset)."""
