"""The portal's API tokens: a supplier's member makes one for the supplier API, names it, revokes it.

The tokens are the account's personal ones (:mod:`marketplace.accounts.tokens`), the same the
account page lists; this page shows them with what the supplier API does.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.accounts.access import logged_in_account, supplier_required
from marketplace.accounts.token_forms import RevokeTokenForm, TokenForm
from marketplace.accounts.tokens import TokenError, create_token, revoke_token, tokens_of
from marketplace.db import get_session
from marketplace.portal.blueprint import bp


def _tokens_page(form: TokenForm, new_token: str | None = None, status: int = 200) -> ResponseReturnValue:
    user = logged_in_account()
    return (
        render_template(
            "portal/tokens.html",
            supplier=user.supplier,
            tokens=tokens_of(get_session(), user),
            form=form,
            revoke_form=RevokeTokenForm(),
            new_token=new_token,
        ),
        status,
        # A page showing a fresh secret must not be kept by any cache.
        {"Cache-Control": "no-store"},
    )


@bp.get("/tokens")
@supplier_required
def tokens() -> ResponseReturnValue:
    return _tokens_page(TokenForm())


@bp.post("/tokens")
@supplier_required
def create_api_token() -> ResponseReturnValue:
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, status=400)
    session = get_session()
    try:
        _token, secret = create_token(session, logged_in_account(), form.name.data or "")
    except TokenError as exc:
        form.name.errors.append(str(exc))
        return _tokens_page(form, status=400)
    session.commit()
    # Rendered, not redirected: the secret must never sit in the (signed, not encrypted) session cookie.
    return _tokens_page(TokenForm(formdata=None), new_token=secret)


@bp.post("/tokens/<int:token_id>/revoke")
@supplier_required
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        revoke_token(session, logged_in_account(), token_id)
    except TokenError:
        abort(404)
    session.commit()
    flash(_("The token is revoked; programs using it are refused from now on."), "success")
    return redirect(url_for("portal.tokens"))
