"""Templates live in resources/letters and are checked against the registry when loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from atoz_desk.reports import (
    KINDS,
    MissingLetterFields,
    TemplateError,
    TemplateSet,
    parse_template,
    render_letter,
)
from atoz_desk.reports.registry import COMMON_FIELDS, FIELDS
from atoz_desk.reports.templates import TEMPLATE_DIR, shipped_templates

from .conftest import letter_text
from .samples import sample

GOOD = """\
# a comment
version: 7
subject: Information about claim {reference}
---
Dear {customer_name},

We need {info_needed} by **{reply_by}** about the {product_title} (order {order_id},
{incident} on {incident_date}).
"""


def test_every_kind_has_a_template_that_loads_and_every_field_is_known() -> None:
    templates = shipped_templates()
    for code, kind in KINDS.items():
        assert (TEMPLATE_DIR / f"{code}.txt").is_file()
        assert templates.template(code).version.startswith("1@")
        for name in kind.fields:
            assert name in FIELDS and name not in COMMON_FIELDS, (code, name)
        assert kind.addressee.value in ("customer", "seller", "expert")
    assert {p.stem for p in TEMPLATE_DIR.glob("*.txt")} == set(KINDS) | {"letterhead"}


def test_a_good_template_renders_and_its_version_names_the_text() -> None:
    template = parse_template("customer_information_requested", GOOD, "good.txt")
    assert template.version.startswith("7@") and len(template.version) == 10
    other = parse_template("customer_information_requested", GOOD.replace("We need", "We still need"))
    assert other.version != template.version  # an edit without a version bump still shows
    letter = render_letter(sample("customer_information_requested"), template=template)
    text = letter_text(letter.pdf)
    assert "We need A photo of the kettle's rating plate" in text
    assert letter.template_version.startswith(template.version + "+")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            GOOD.replace("{customer_name}", "{customer_nmae}"),
            "unknown placeholders for the customer_information_requested letter: {customer_nmae}",
        ),
        (
            GOOD + "\nAlso {seller_name} and {firm}.\n",
            "unknown placeholders for the customer_information_requested letter: {firm}, {seller_name}",
        ),
        (GOOD.replace("version: 7\n", ""), "the header has no 'version' line"),
        (
            GOOD.replace("---\n", ""),
            "line 4: expected 'version:', 'subject:' or '---', got 'Dear {customer_name},'",
        ),
        (GOOD.split("---")[0], "no '---' line"),
        (GOOD.replace("(order {order_id},", "(order,"), "does not show required fields: order_id"),
        (GOOD.replace("**{reply_by}**", "**{reply_by}"), "a '**' bold marker is not closed"),
        (GOOD.replace("{customer_name}", "{customer_name!r}"), "is not a plain placeholder"),
        (GOOD.replace("{customer_name}", "{customer_name"), "write '{{' for a literal brace"),
        (GOOD + "\n? Nothing optional here {reference}.\n", "a '? ' line must use an optional field"),
        (
            GOOD.replace("---", "author: me\n---"),
            "line 4: expected 'version:', 'subject:' or '---', got 'author: me'",
        ),
    ],
)
def test_a_bad_template_is_refused_when_loaded(text: str, problem: str) -> None:
    with pytest.raises(TemplateError) as failure:
        parse_template("customer_information_requested", text, "bad.txt")
    assert problem in str(failure.value)
    assert str(failure.value).startswith("letter template bad.txt: ")


def test_an_optional_field_must_sit_on_a_question_mark_line() -> None:
    text = GOOD.replace("We need", "Note {decision_note}. We need").replace(
        "customer_information_requested", "x"
    )
    denied = text.replace(
        "{info_needed}", "{denial_reason} {next_steps} {amount_claimed} {decision_date}"
    ).replace("by **{reply_by}**", "")
    with pytest.raises(
        TemplateError, match=r"\{decision_note\} is optional for this letter; start the line with '\? '"
    ):
        parse_template("customer_denied", denied)
    parse_template(
        "customer_denied", denied.replace("Note {decision_note}. ", "") + "\n? Note {decision_note}.\n"
    )


def test_a_table_field_needs_a_table_line() -> None:
    text = """version: 1
subject: s {reference}
---
{seller_name} {product_title} {order_id} {incident} {incident_date} {approved_amount} {recovery_amount}
{insurance_problems} {proof_due} {min_per_occurrence} {min_aggregate} {max_deductible} {min_rating}
{cancellation_notice_days} {accelerator_directory}
"""
    with pytest.raises(
        TemplateError, match="show the table accelerator_directory with '@table accelerator_directory'"
    ):
        parse_template("seller_proof_of_insurance", text)
    fixed = text.replace(" {accelerator_directory}", "") + "@table accelerator_directory | none listed\n"
    assert parse_template("seller_proof_of_insurance", fixed).blocks[-1].table == "accelerator_directory"


def test_a_folder_of_templates_is_checked_on_first_use(tmp_path: Path) -> None:
    (tmp_path / "letterhead.txt").write_text(
        (TEMPLATE_DIR / "letterhead.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "customer_information_requested.txt").write_text(
        GOOD.replace("{product_title}", "{product_titel}"), encoding="utf-8"
    )
    templates = TemplateSet(tmp_path)
    with pytest.raises(TemplateError, match=r"unknown placeholders .*\{product_titel\}"):
        render_letter(sample("customer_information_requested"), templates=templates)
    with pytest.raises(TemplateError, match="cannot be read"):
        templates.template("customer_denied")


def test_a_template_field_the_data_lacks_fails_with_its_name() -> None:
    template = parse_template("customer_information_requested", GOOD)
    data = sample("customer_information_requested", reply_by=None, info_needed="")
    with pytest.raises(MissingLetterFields) as failure:
        render_letter(data, template=template)
    assert failure.value.missing == ("info_needed", "reply_by")
