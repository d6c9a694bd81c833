"""Brand and code (rule 2) do not join two titles that state conflicting measures; a GTIN (rule 1) does."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.support import factories
from tests.support.grouping import import_and_group, product_of


def test_a_model_code_shared_by_a_lines_sizes_does_not_join_two_sizes(db_session: Session) -> None:
    alpha = factories.supplier(db_session, "alpha")
    beta = factories.supplier(db_session, "beta")
    line = {"brand": "Samsung", "model": "SM-A546B"}
    import_and_group(
        db_session,
        alpha,
        [
            {"sku": "A-128", "name": "Samsung Galaxy A54 128GB black", **line},
            {"sku": "A-256", "name": "Samsung Galaxy A54 256GB black", **line},
            {"sku": "A-pan", "name": "Fiskars pan 28 cm", "gtin": "6411501310835"},
        ],
    )
    import_and_group(
        db_session,
        beta,
        [
            {"sku": "B-256", "name": "Смартфон Samsung Galaxy A54 8/256 ГБ", **line},
            # The GTIN names one trade item: a title that disagrees is a typo, and it still joins.
            {"sku": "B-pan", "name": "Сковорода Fiskars 26 см", "gtin": "6411501310835"},
        ],
    )
    assert product_of(db_session, alpha, "A-128") != product_of(db_session, alpha, "A-256")
    assert product_of(db_session, beta, "B-256") == product_of(db_session, alpha, "A-256")
    assert product_of(db_session, beta, "B-pan") == product_of(db_session, alpha, "A-pan")
