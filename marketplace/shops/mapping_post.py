"""The category-mapping POST, written once for the operators' queue and the supplier portal.

Both pages map one supplier category from a ``CategoryMappingForm``: by Google id, full path
or unique name. The portal's form may only name its own supplier's categories, and there an
empty category unmaps one; the operators' queue always names a category.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.catalog.category_mapping import CategoryMappingError, find_category, set_mapping
from marketplace.db import get_session
from marketplace.shops.forms import CategoryMappingForm
from marketplace.suppliers.models import SupplierCategory


def post_category_mapping(form: CategoryMappingForm, *, owner_id: int | None, done: str) -> ResponseReturnValue | None:
    """Save the validated form's mapping, commit and redirect to ``done``; ``None`` shows the page again.

    ``owner_id`` limits the form to one supplier's categories (another's is a 404). A mapping
    that cannot be made is rolled back and flashed, and the caller answers 400.
    """
    session = get_session()
    supplier_category = session.get(SupplierCategory, _int(form.supplier_category_id.data))
    if supplier_category is None or (owner_id is not None and supplier_category.supplier_id != owner_id):
        abort(404)
    text = (form.category.data or "").strip()
    try:
        category = find_category(session, text) if text or owner_id is None else None
        moved = set_mapping(session, supplier_category, category, by=current_user)
    except CategoryMappingError as exc:
        session.rollback()
        flash(str(exc), "error")
        return None
    session.commit()
    flash(_("Mapping saved; %(num)d offers moved.", num=moved), "success")
    return redirect(url_for(done))


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
