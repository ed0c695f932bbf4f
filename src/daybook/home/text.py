"""The written process as HTML: plain text made into headings, paragraphs and lists.

Deliberately small instead of Markdown: an administrator types paragraphs, "- " list items and
"# " headings, and every character they type is escaped, so no markup of theirs reaches the
page.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BULLETS = ("- ", "* ")


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _block_html(lines: list[str]) -> list[str]:
    """One block's headings, paragraphs and lists, in order."""
    parts: list[str] = []
    while lines and lines[0].startswith("# "):
        parts.append(f"<h2>{escape(lines.pop(0)[2:].strip())}</h2>")
    runs: list[tuple[bool, list[str]]] = []  # (is a list, lines)
    for line in lines:
        bullet = line.startswith(BULLETS)
        if not runs or runs[-1][0] != bullet:
            runs.append((bullet, []))
        runs[-1][1].append(line[2:].strip() if bullet else line)
    for bullet, run in runs:
        if bullet:
            parts.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in run) + "</ul>")
        else:
            parts.append("<p>" + "<br>".join(escape(line) for line in run) + "</p>")
    return parts


def process_html(text: str) -> SafeString:
    """`text` as escaped HTML: "# " starts a heading, lines starting "- " or "* " are list
    items, a blank line ends a paragraph and other line breaks are kept."""
    parts = [part for block in _blocks(text) for part in _block_html(block)]
    return mark_safe("\n".join(parts))  # noqa: S308 - every piece of text is escaped above
