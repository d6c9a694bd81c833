"""The supplier portal's one blueprint on ``/portal``, with what every portal page shares."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.errors import http_error
from marketplace.imports.messages import problem_text, run_error_text, stored_text
from marketplace.suppliers.models import ImportStatus
from marketplace.templating import IMPORT_STATUS_LABELS

bp = Blueprint("portal", __name__, url_prefix="/portal")

RUN_STATUS_LABELS = {
    **IMPORT_STATUS_LABELS,
    ImportStatus.PREPARING.value: _l("Preparing the preview"),
    ImportStatus.NEEDS_MAPPING.value: _l("Waiting for the column mapping"),
}

#: The pages that take a price list (a file or a feed address). A too large request to any
#: other portal page gets the app's plain 413 page, since its form holds no price list.
PRICE_LIST_PAGES = frozenset(
    {
        "portal.index",
        "portal.upload",
        "portal.map_columns",
        "portal.import_run",
        "portal.confirm_withdraw",
        "portal.add_feed",
        "portal.fetch_feed_now",
        "portal.remove_feed",
    }
)


@bp.context_processor
def _labels() -> dict[str, Any]:
    # The import's stored English sentences, shown in the supplier's language.
    return {
        "run_labels": RUN_STATUS_LABELS,
        "problem_text": problem_text,
        "run_error_text": run_error_text,
        "stored_text": stored_text,
    }


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    if request.endpoint not in PRICE_LIST_PAGES:
        return http_error(error)
    limit_mb = (current_app.config["MAX_CONTENT_LENGTH"] or 0) // (1024 * 1024)
    return render_template(
        "errors/error.html",
        code=413,
        title=_("The file is too large"),
        description=_(
            "Price lists of up to %(mb)d MB can be uploaded here. Nothing was imported and your catalog is "
            "unchanged. For a larger price list, register its address as a feed URL in the portal instead.",
            mb=limit_mb,
        ),
    ), 413
