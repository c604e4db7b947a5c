"""Server-rendered pages for case officers (Jinja2 + htmx, no CDN)."""
