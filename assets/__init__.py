"""Assets: translations, fonts, faces."""
