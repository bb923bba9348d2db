"""Episode pages: HTML in any markup (html.py) and the plain-text shape (text.py)."""
