"""No text a person reads is left out of translation: templates and raised messages are scanned.

Two scans, both over the sources as they are (no app, no database):

- every template under ``templates/`` is cut into tokens with Jinja's own lexer; the text
  between tags (and the attributes people read: ``title``, ``placeholder``, ``alt``,
  ``aria-label``...) outside ``{% trans %}`` blocks and ``_()`` calls must hold no words;
- every module of ``marketplace/`` is parsed with ``ast``, and a ``raise`` of a
  :class:`~marketplace.domain_errors.DomainError` subclass, a ``flash()``, an ``abort()``
  description, a wtforms ``ValidationError`` or a field error appended by a view must not be
  given a plain string literal (or f-string): those reach the reader as they are.

A new template line with a bare English word, or ``raise SomeError("...")``, fails here; wrap it
in ``_()`` / ``_l()`` (and add the msgid to the catalogs).
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PACKAGE = ROOT / "marketplace"

#: Words that are the same in every language: the brand, and the names of formats and standards.
ALLOWED_WORDS = frozenset(
    {"TradeRow", "API", "OpenAPI", "CSV", "YML", "JSON", "XML", "XLS", "XLSX", "GTIN", "EAN", "MPN", "SKU", "URL"}
    | {"UAH"}
)
#: The logo writes the brand in two parts.
LOGO = re.compile(r"Trade<span>Row</span>")
#: Attributes whose text a person reads (or hears, from a screen reader).
READ_ATTRIBUTES = frozenset({"title", "placeholder", "alt", "aria-label", "aria-description", "aria-roledescription"})
#: Elements whose content is code, not prose.
CODE_ELEMENTS = frozenset({"script", "style", "code", "pre"})
#: Stands for whatever Jinja puts in: an expression, a tag, a translated block. Spaced, so that a
#: tag inside an HTML tag (``<section{% if c %} class="x"{% endif %}>``) leaves the tag readable.
HOLE = " \x00 "
WORD = re.compile(r"[^\W\d_]{2,}")


def _template_text(env: Environment, source: str, name: str) -> str:
    """Return ``source`` with every Jinja expression, tag and ``{% trans %}`` block replaced by ``HOLE``."""
    parts: list[str] = []
    in_trans = False
    tag: list[str] = []
    for _lineno, kind, value in env.lex(source, name):
        if kind == "data":
            parts.append(HOLE if in_trans else value)
            continue
        if kind == "block_begin":
            tag = []
        elif kind == "name" and not tag:
            tag.append(value)
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        if not parts or parts[-1] != HOLE:
            parts.append(HOLE)
    return "".join(parts)


class _TextFinder(HTMLParser):
    """Collect the words of the text and of the read attributes, outside code elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._code_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in CODE_ELEMENTS:
            self._code_depth += 1
        button = tag == "input" and dict(attrs).get("type") in {"submit", "button", "reset"}
        for attribute, value in attrs:
            if (attribute in READ_ATTRIBUTES or (button and attribute == "value")) and value:
                self._check(f'{attribute}="{value}"', value)

    def handle_endtag(self, tag: str) -> None:
        if tag in CODE_ELEMENTS and self._code_depth:
            self._code_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._code_depth:
            self._check(data.strip(), data)

    def _check(self, shown: str, text: str) -> None:
        words = [w for w in WORD.findall(text.replace(HOLE.strip(), " ")) if w not in ALLOWED_WORDS]
        if words:
            self.found.append(" ".join(shown.replace(HOLE.strip(), "…").split()))


def untranslated_in_template(env: Environment, path: Path) -> list[str]:
    """Return the bits of text in the template at ``path`` that are not marked for translation."""
    finder = _TextFinder()
    finder.feed(LOGO.sub("TradeRow", _template_text(env, path.read_text(encoding="utf-8"), path.name)))
    finder.close()
    return finder.found


# --- raised and flashed messages -----------------------------------------------------------------


def _python_files() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts]


def domain_error_names(trees: dict[Path, ast.Module]) -> set[str]:
    """Return the names of ``DomainError`` and every class that derives from it, in any module."""
    bases: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(_name(base) for base in node.bases)
    found = {"DomainError"}
    grew = True
    while grew:
        grew = False
        for name, its_bases in bases.items():
            if name not in found and its_bases & found:
                found.add(name)
                grew = True
    return found


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _literal(node: ast.expr | None, constants: frozenset[str] = frozenset()) -> bool:
    """Whether ``node`` is a string literal or f-string with words in it (or a module's constant holding one)."""
    if isinstance(node, ast.Name):
        return node.id in constants
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_literal(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _literal(node.left, constants)  # "text %s" % value
    return False


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _string_constants(tree: ast.Module) -> frozenset[str]:
    """Return the names the module binds to plain strings with words (``MESSAGE = "..."``)."""
    return frozenset(
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign) and _literal(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    )


def untranslated_messages(path: Path, tree: ast.Module, errors: set[str]) -> list[str]:
    """Return ``file:line`` of each message given as a plain literal in ``tree``."""
    found: list[int] = []
    constants = _string_constants(tree)

    def _is_literal(node: ast.expr | None) -> bool:
        return _literal(node, constants)

    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            call = node.exc
            name = _name(call.func)
            if (name in errors or name == "ValidationError") and call.args and _is_literal(call.args[0]):
                found.append(node.lineno)
        elif isinstance(node, ast.Call):
            name = _name(node.func)
            if name == "flash" and node.args and _is_literal(node.args[0]):
                found.append(node.lineno)
            elif name == "abort":
                described = node.args[1] if len(node.args) > 1 else _keyword(node, "description")
                if _is_literal(described):
                    found.append(node.lineno)
            elif (
                name == "append"
                and isinstance(node.func, ast.Attribute)
                and _name(node.func.value) == "errors"
                and node.args
                and _is_literal(node.args[0])
            ):
                found.append(node.lineno)
    return [f"{path.relative_to(ROOT)}:{line}" for line in sorted(found)]


# --- the tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jinja() -> Environment:
    # Only lexed, never rendered: escaping does not apply.
    return Environment(extensions=["jinja2.ext.i18n"], autoescape=True)


def test_the_template_scan_finds_bare_words_and_passes_marked_ones(jinja: Environment, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<h1>{{ _("Offers") }}</h1><p title="Close">Brand: {{ brand }}</p>'
        "{% trans %}Hello there{% endtrans %}<script>let shown = true;</script><p>TradeRow · {{ n }} ₴</p>"
        '<input type="submit" value="Save"><input name="q" value="{{ q }}">',
        encoding="utf-8",
    )
    assert untranslated_in_template(jinja, page) == ['title="Close"', "Brand: …", 'value="Save"']
    page.write_text('<a class="brand">Trade<span>Row</span></a><p{% if x %} class="{{ x }}"{% endif %}>—</p>')
    assert untranslated_in_template(jinja, page) == []


def test_the_message_scan_finds_literals_and_passes_lazy_ones(tmp_path: Path) -> None:
    source = (
        "class ShopError(DomainError): ...\n"
        "class SlugTaken(ShopError): ...\n"
        'raise SlugTaken("The slug is taken.")\n'
        'raise SlugTaken(_l("The slug is taken."))\n'
        'flash(f"Saved {n} rows")\n'
        'flash(_("Saved."), "success")\n'
        'abort(400, description="bad page")\n'
        'abort(403, description=_("Only buyers."))\n'
        'form.name.errors.append("Too long.")\n'
        'raise ValueError("not for people")\n'
        'GONE = "The file is gone."\n'
        "raise SlugTaken(GONE)\n"
        'LAZY = _l("The file is gone.")\n'
        "raise SlugTaken(LAZY)\n"
    )
    path = PACKAGE / "example.py"
    tree = ast.parse(source)
    errors = domain_error_names({path: tree})
    assert {"ShopError", "SlugTaken"} <= errors
    assert untranslated_messages(path, tree, errors) == [f"marketplace/example.py:{n}" for n in (3, 5, 7, 9, 12)]


def test_every_template_marks_its_text_for_translation(jinja: Environment) -> None:
    found = {
        str(path.relative_to(ROOT)): bits
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (bits := untranslated_in_template(jinja, path))
    }
    assert found == {}, "text outside _() or {% trans %}:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def test_every_message_a_person_reads_is_marked_for_translation() -> None:
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in _python_files()}
    errors = domain_error_names(trees)
    found = [where for path, tree in trees.items() for where in untranslated_messages(path, tree, errors)]
    assert found == [], "plain string messages (wrap them in _() or _l()):\n" + "\n".join(found)
