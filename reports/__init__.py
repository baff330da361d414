"""Reports: Jinja2 templates (autoescaped) rendered to HTML and, through WeasyPrint, to PDF; CSV/JSON outputs."""
