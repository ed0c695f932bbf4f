"""Helpers for admin tests: read a change form the way a browser would, and post it back."""

from html.parser import HTMLParser

from django.contrib.messages import get_messages


class _FormReader(HTMLParser):
    """Collects what a browser would submit from the form with the given id."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._multiple = False
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            ticked = kind in {"checkbox", "radio"}
            if ticked and "checked" not in attrs:
                return
            value = attrs.get("value") or ("on" if ticked else "")
            self.data.setdefault(name, []).append(value)
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._multiple, self._options = name, "multiple" in attrs, []
        elif tag == "option" and self._select is not None:
            self._options.append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # Browsers drop the one newline Django puts after the opening tag.
            self.data[self._textarea] = ["".join(self._text).removeprefix("\n")]
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not self._multiple and self._options:
                chosen = [self._options[0][0]]
            if chosen:
                self.data[self._select] = chosen
            self._select = None


def form_data(response, model_name: str) -> dict[str, list[str] | str]:
    """The fields of an admin change form as they stand on the page."""
    reader = _FormReader(f"{model_name}_form")
    reader.feed(response.content.decode())
    return dict(reader.data)


def message_texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]
