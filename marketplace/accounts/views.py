"""Login, logout and registration."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts.forms import LoginForm, RegisterForm
from marketplace.accounts.models import Role, User
from marketplace.accounts.services import AccountError, authenticate, create_user, get_user
from marketplace.accounts.token_forms import RevokeTokenForm, TokenForm
from marketplace.accounts.tokens import TokenError, create_token, revoke_token, tokens_of
from marketplace.db import get_session
from marketplace.extensions import login_manager
from marketplace.suppliers.services import SupplierError, add_supplier

bp = Blueprint("accounts", __name__, url_prefix="/account")

login_manager.login_view = "accounts.login"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return get_user(get_session(), int(user_id)) if user_id.isdigit() else None


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect would let phishers borrow our domain.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("catalog.home")


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(get_session(), form.email.data or "", form.password.data or "")
        if user is None:
            form.password.errors.append(_("Wrong email or password."))
        else:
            login_user(user, remember=True)
            flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("catalog.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():  # type: ignore[no-untyped-def]
    form = RegisterForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            supplier = None
            if form.account_type.data == "supplier":
                if not (form.shop_name.data and form.shop_slug.data and form.store_url.data):
                    form.shop_name.errors.append(_("A supplier needs a shop name, an address and a web store."))
                    raise _FormInvalid
                try:
                    supplier = add_supplier(
                        session,
                        form.shop_slug.data,
                        name=form.shop_name.data,
                        store_url=form.store_url.data,
                        contact_email=form.email.data,
                    )
                except SupplierError as exc:
                    form.shop_slug.errors.append(str(exc))
                    raise _FormInvalid from exc
            try:
                user = create_user(
                    session,
                    form.email.data or "",
                    form.password.data or "",
                    role=Role.SUPPLIER if supplier else Role.BUYER,
                    display_name=form.display_name.data,
                    supplier=supplier,
                )
            except AccountError as exc:
                form.email.errors.append(str(exc))
                raise _FormInvalid from exc
        except _FormInvalid:
            session.rollback()
        else:
            session.commit()
            login_user(user, remember=True)
            flash(_("Your account is ready."), "success")
            return redirect(url_for("suppliers.portal") if supplier else url_for("catalog.home"))
    return render_template("accounts/register.html", form=form)


class _FormInvalid(Exception):
    """A field error was added; render the form again."""


# --- the account page and personal API tokens ---------------------------------------------


@bp.get("/")
@login_required
def account():  # type: ignore[no-untyped-def]
    return _account_page(TokenForm())


def _account_page(form: TokenForm, new_token: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    return (
        render_template(
            "accounts/account.html",
            user=user,
            tokens=tokens_of(get_session(), user),
            form=form,
            revoke_form=RevokeTokenForm(),
            new_token=new_token,
        ),
        status,
        # A page showing a fresh secret must not be kept by any cache.
        {"Cache-Control": "no-store"},
    )


@bp.post("/tokens")
@login_required
def create_api_token():  # type: ignore[no-untyped-def]
    form = TokenForm()
    if not form.validate_on_submit():
        return _account_page(form, status=400)
    session = get_session()
    try:
        _token, secret = create_token(session, current_user._get_current_object(), form.name.data or "")
    except TokenError as exc:
        form.name.errors.append(str(exc))
        return _account_page(form, status=400)
    session.commit()
    # Rendered, not redirected: the secret must never sit in the (signed, not encrypted) session cookie.
    return _account_page(TokenForm(formdata=None), new_token=secret)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):  # type: ignore[no-untyped-def]
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        revoke_token(session, current_user._get_current_object(), token_id)
    except TokenError:
        abort(404)
    session.commit()
    flash(_("The token is revoked; programs using it are refused from now on."), "success")
    return redirect(url_for(".account"))
