"""Forms of supplier acquisition (operators): a prospective supplier, its invitation, the supplier it became."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.crm.acquisition import MAX_NOTES, ProspectInput


class ProspectForm(FlaskForm):
    """What the operator knows of a company it wants as a supplier."""

    company = StringField(_l("Company"), validators=[DataRequired(_l("Name the company.")), Length(max=255)])
    contact_person = StringField(_l("Contact person"), validators=[Optional(), Length(max=255)])
    email = StringField(
        _l("Email"), validators=[DataRequired(_l("Give an e-mail address such as sales@example.com.")), Length(max=255)]
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    language = SelectField(
        _l("Language of the invitation"),
        choices=[SelectChoice("uk", "Українська"), SelectChoice("ru", "Русский"), SelectChoice("en", "English")],
        default="uk",
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=MAX_NOTES)])

    def to_input(self) -> ProspectInput:
        """Return what was typed, for the service to check."""
        return ProspectInput(
            company=self.company.data or "",
            email=self.email.data or "",
            contact_person=self.contact_person.data,
            phone=self.phone.data,
            language=self.language.data or "uk",
            notes=self.notes.data,
        )


class InviteForm(FlaskForm):
    """Send the invitation: a button and its CSRF token."""


class LinkSupplierForm(FlaskForm):
    """Link a prospect to the supplier it became, by the shop's address on TradeRow."""

    slug = StringField(
        _l("The shop's address (slug)"), validators=[DataRequired(_l("Give the shop's address.")), Length(max=60)]
    )
