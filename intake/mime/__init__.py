"""Stage 2, MIME and archives: a raw message becomes an `IncomingMail` (`parse`), its
archives and forwards are unpacked (`unpack`), and files sent as download links are found
and, where allowed, fetched (`links`, `downloads`)."""
