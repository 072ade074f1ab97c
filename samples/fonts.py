"""The CJK font lookup, kept here for the fixture builders; it lives in `intake.base.fonts`."""
from intake.base.fonts import any_font, cjk_font_path, font

__all__ = ["any_font", "cjk_font_path", "font"]
