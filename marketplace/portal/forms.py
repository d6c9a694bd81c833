"""The supplier portal's forms: uploads, feed addresses, column mapping and the storefront."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField, URLField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.imports.columns import FIELD_LABELS

MODE_CHOICES = [
    SelectChoice("auto", _l("As the file says (a price and stock update only updates)")),
    SelectChoice("full", _l("Full price list: replace my catalog")),
    SelectChoice("partial", _l("Update: change only the offers the file names")),
]


PRICE_TYPE_LABEL = _l("Your price type (1C exchanges)")
PRICE_TYPE_HELP = _l(
    "Only for a 1C (CommerceML) exchange whose offers carry several prices: the name of yours as in 1C, "
    "for example “Роздрібна”. Leave it empty for the only or the retail one. We remember it."
)


def price_type_field() -> StringField:
    """Return the field where a supplier names their CommerceML price type."""
    return StringField(PRICE_TYPE_LABEL, validators=[Optional(), Length(max=255)], description=PRICE_TYPE_HELP)


class UploadForm(FlaskForm):
    feed = FileField(
        _l("Price list"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        description=_l(
            "YML, Hotline XML, Google Merchant, CommerceML 2 (1C: its zip, or import.xml), CSV, Excel or JSON. "
            "The format is detected from the content."
        ),
    )
    offers = FileField(
        _l("offers.xml (1C exchanges)"),
        description=_l("For a 1C exchange sent as two files: import.xml above, offers.xml here."),
    )
    price_type = price_type_field()
    mode = SelectField(_l("How to apply it"), choices=MODE_CHOICES, default="auto")
    dry_run = BooleanField(_l("Dry run: show what would change and publish nothing"))


class FeedSourceForm(FlaskForm):
    url = URLField(
        _l("Feed address"),
        validators=[DataRequired(_l("Enter the address of your price list.")), Length(max=2000)],
        description=_l("An http:// or https:// address that serves your price list; we fetch it on schedule."),
    )
    interval_hours = IntegerField(
        _l("Fetch every (hours)"),
        default=24,
        validators=[DataRequired(_l("Enter a number of hours.")), NumberRange(min=1, max=168)],
    )
    mode = SelectField(_l("How to apply it"), choices=MODE_CHOICES, default="auto")
    price_type = price_type_field()


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (fetch now, remove)."""


def mapping_form(columns: Sequence[str], fields: Sequence[str], initial: Mapping[str, str]) -> FlaskForm:
    """Build the mapping step's form: one select per column, pre-filled with ``initial``."""
    choices = [SelectChoice("", _l("— skip this column —"))] + [
        SelectChoice(name, FIELD_LABELS.get(name, name)) for name in fields
    ]

    class MappingForm(FlaskForm):
        pass

    for index, column in enumerate(columns):
        label = column if not column.startswith("#") else _l("Column %(n)d", n=index + 1)
        setattr(
            MappingForm,
            f"col_{index}",
            SelectField(label, choices=choices, default=initial.get(column, ""), validate_choice=True),
        )
    return MappingForm()


def price_type_choice_form(choices: Sequence[str]) -> FlaskForm:
    """Build the form that picks the supplier's price type among those a CommerceML file named."""

    class PriceTypeForm(FlaskForm):
        price_type = SelectField(
            _l("Your price type"), choices=[SelectChoice(name, name) for name in choices], validate_choice=True
        )

    return PriceTypeForm()


class StorefrontForm(FlaskForm):
    """How buyers reach the supplier: its own store (with UTM tags) or order requests here."""

    has_own_store = BooleanField(_l("Buyers go to my own web store"))
    utm_source = StringField(_l("utm_source"), validators=[Optional(), Length(max=100)])
    utm_medium = StringField(_l("utm_medium"), validators=[Optional(), Length(max=100)])
    utm_campaign = StringField(_l("utm_campaign"), validators=[Optional(), Length(max=100)])
