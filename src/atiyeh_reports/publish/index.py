"""TEMPORARY stand-in (not committed): replaced by helper sc's module."""
def write_index(folder, *, params, provenance):
    import html
    from pathlib import Path
    folder = Path(folder)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    (folder / "index.html").write_text("<html><body>" + "".join(f'<a href="{html.escape(f)}">{html.escape(f)}</a>' for f in files) + "</body></html>", encoding="utf-8")
    return folder / "index.html"
