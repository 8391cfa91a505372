"""Printable reports: Jinja HTML rendered to PDF with WeasyPrint, off the event loop."""
