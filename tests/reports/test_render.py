"""Every letter kind rendered and read back: fields, amounts, dates, names, pages, fonts."""

from __future__ import annotations

import io
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import pytest
from pypdf import PdfReader

from atoz_desk.domain.money import format_money
from atoz_desk.reports import (
    KINDS,
    FieldType,
    LetterData,
    MissingLetterFields,
    UnrenderableText,
    format_date,
    render_letter,
)
from atoz_desk.reports.assets import assets
from atoz_desk.reports.registry import FIELDS
from atoz_desk.reports.render import render_json

from .conftest import flat, letter_text, page_texts, poppler_checks
from .samples import NAME, sample


def shown(name: str, value: object, currency: str = "USD") -> list[str]:
    """How a field's value must appear in the letter."""
    spec = FIELDS[name]
    if spec.type is FieldType.MONEY:
        assert isinstance(value, Decimal)
        return [format_money(value, currency)]
    if spec.type is FieldType.DATE:
        assert isinstance(value, date)
        return [format_date(value)]
    if spec.type is FieldType.ROWS:
        assert isinstance(value, tuple)
        return [flat(cell) for row in value for cell in row]
    return [flat(str(value))]


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_shows_every_required_field(kind: str) -> None:
    data = sample(kind)
    letter = render_letter(data)
    text = letter_text(letter.pdf)
    for name in KINDS[kind].required:
        for expected in shown(name, data.fields[name]):
            assert expected in text, f"{kind}: {name} = {expected!r} not in the letter"
    # the layout's own fields: letterhead, date, addressee, reference, signature, page numbers
    assert "A-to-z Guarantee Claims" in text
    assert "2 November 2026" in text
    assert data.addressee.name in text
    for line in data.addressee.lines:
        assert line in text
    assert f"Claim reference: {data.reference}" in text
    assert "Yours sincerely, Alice Adjuster Claims Adjuster" in text
    assert letter.subject and flat(letter.subject) in text
    pages = page_texts(letter.pdf)
    assert len(pages) == letter.pages
    for number, page in enumerate(pages, 1):
        assert f"Claim {data.reference}" in page
        assert f"Page {number} of {letter.pages}" in page


@pytest.mark.parametrize("kind", list(KINDS))
def test_poppler_renders_every_kind_silently_with_embedded_fonts_only(kind: str, tmp_path: Path) -> None:
    fonts = poppler_checks(render_letter(sample(kind)).pdf, tmp_path)
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows, fonts
    for row in rows:
        assert "DejaVuSans" in row[0], fonts  # no Helvetica or other unembedded base font
        assert row[-5:-2] == ["yes", "yes", "yes"], fonts  # embedded, subset, with a ToUnicode map


def test_names_in_latin_greek_and_cyrillic_come_back_exactly() -> None:
    data = sample("customer_denied")
    text = page_texts(render_letter(data).pdf)[0]
    assert NAME in text.splitlines()  # the addressee line
    assert f"Dear {NAME}," in text


def test_decomposed_accents_are_composed_before_drawing() -> None:
    decomposed = "Zoe\u0308 Fe\u0301lix"
    data = sample("customer_denied", customer_name=decomposed)
    data = replace(data, addressee=replace(data.addressee, name=decomposed))
    assert "Zoë Félix" in letter_text(render_letter(data).pdf)


def test_amounts_carry_their_currency_and_gbp_letters_are_a4() -> None:
    data = sample("customer_concession_paid", currency="GBP")
    letter = render_letter(data)
    text = letter_text(letter.pdf)
    assert "£1,200.00" in text and "£1,234.50" in text and "$" not in text
    box = PdfReader(io.BytesIO(letter.pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    us = PdfReader(io.BytesIO(render_letter(sample("customer_concession_paid")).pdf)).pages[0].mediabox
    assert (round(float(us.width)), round(float(us.height))) == (612, 792)  # US Letter


def test_a_long_letter_numbers_its_pages_and_repeats_the_reference(tmp_path: Path) -> None:
    long_request = "\n".join(
        f"{i}. A document we need to see, with its date and its author." for i in range(80)
    )
    data = sample("customer_information_requested", info_needed=long_request)
    letter = render_letter(data)
    pages = page_texts(letter.pdf)
    assert letter.pages == len(pages) >= 2
    assert "Page 1 of 2" in pages[0] or letter.pages > 2
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {letter.pages}" in page
        assert "Claim AZ-2026-000123" in page
    assert "79. A document we need to see" in letter_text(letter.pdf)
    poppler_checks(letter.pdf, tmp_path)


def test_page_1_of_2_on_a_two_page_letter() -> None:
    rows = tuple((f"Insurer {i}", "A", f"desk{i}@insurer.example", "Product liability") for i in range(12))
    letter = render_letter(sample("seller_proof_of_insurance", accelerator_directory=rows))
    pages = page_texts(letter.pdf)
    assert letter.pages == 2
    assert "Page 1 of 2" in pages[0] and "Page 2 of 2" in pages[1]
    assert all(f"Insurer {i}" in letter_text(letter.pdf) for i in range(12))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("山田 漢字", ["'漢' U+6F22", "'字' U+5B57", "'山' U+5C71", "'田' U+7530"]),
        ("Anna 🙂", ["U+1F642 SLIGHTLY SMILING FACE"]),
        ("דוד כהן", ["U+05D3 HEBREW LETTER DALET"]),  # the font has it, but letters run left to right
        ("Tab\x07bell", ["U+0007"]),
    ],
)
def test_characters_no_font_can_draw_fail_loudly_naming_them(text: str, named: list[str]) -> None:
    data = sample("customer_denied", customer_name=text)
    with pytest.raises(UnrenderableText) as failure:
        render_letter(data)
    for name in named:
        assert name in str(failure.value)
    assert "letter text" in str(failure.value)


def test_unrenderable_characters_in_the_addressee_block_are_caught_too() -> None:
    data = sample("customer_denied")
    data = replace(data, addressee=replace(data.addressee, lines=("東京都千代田区",)))
    with pytest.raises(UnrenderableText, match=r"'東' U\+6771.*\(in addressee\)"):
        render_letter(data)


def test_a_missing_field_is_an_error_naming_it_never_a_blank() -> None:
    data = sample("customer_denied", denial_reason=..., amount_claimed=None)
    with pytest.raises(MissingLetterFields) as failure:
        render_letter(data)
    assert failure.value.missing == ("amount_claimed", "denial_reason")
    assert "missing amount_claimed, denial_reason" in str(failure.value)

    blank = sample("customer_denied", customer_name="   ")
    with pytest.raises(MissingLetterFields, match="customer_name"):
        render_letter(blank)
    unsigned = replace(sample("customer_denied"), signer=replace(sample("customer_denied").signer, title=""))
    with pytest.raises(MissingLetterFields, match="signer_title"):
        render_letter(unsigned)


def test_optional_lines_appear_only_with_a_value() -> None:
    with_note = letter_text(render_letter(sample("customer_denied")).pdf)
    assert "In more detail: The photos show scorch marks" in with_note
    without = letter_text(render_letter(sample("customer_denied", decision_note=None)).pdf)
    assert "In more detail" not in without


def test_an_empty_directory_prints_its_fallback_line() -> None:
    text = letter_text(render_letter(sample("seller_proof_of_insurance", accelerator_directory=())).pdf)
    assert "No providers are listed in the directory at the moment" in text


def test_markup_in_values_is_printed_as_text() -> None:
    name = "Tom & Jerry <b>Ltd</b> {reference}"
    data = sample("customer_denied", customer_name=name)
    data = replace(data, addressee=replace(data.addressee, name=name))
    assert f"Dear {name}," in letter_text(render_letter(data).pdf)


def test_the_same_data_gives_the_same_bytes_and_the_archived_json_redraws_it() -> None:
    data = sample("expert_referral")
    first = render_letter(data)
    assert render_letter(data).pdf == first.pdf
    again = render_json(data.to_json())
    assert (again.pdf, again.sha256) == (first.pdf, first.sha256)
    assert LetterData.from_json(data.to_json()) == replace(data, fields=MappingProxyType(dict(data.fields)))


def test_fonts_and_logo_load_once_for_all_threads() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(assets())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(a) for a in seen}) == 1 and seen[0] is assets()


def test_letters_drawn_on_several_threads_at_once_are_all_whole() -> None:
    kinds = list(KINDS) * 2
    results: dict[int, bytes] = {}

    def draw(i: int) -> None:
        results[i] = render_letter(sample(kinds[i])).pdf

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(len(kinds))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, kind in enumerate(kinds):
        assert results[i] == render_letter(sample(kind)).pdf, kind


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Thị Minh Khai",
        "Antonín Dvořák",
        "İsmail Doğan Şahin",
        "Ștefan Țurcanu",
        "Þórður Guðmundsson",
        "Søren Ærøskøbing",
        "Łucja Żółć",
        "François Œuvre",
        "Ђорђе Јовановић",
        "Ґалина Їжакевич",
        "Әлия Қасымова",
        "Ἀλέξανδρος Παπαδόπουλος",
    ],
)
def test_latin_greek_and_cyrillic_scripts_print_and_read_back_exactly(name: str) -> None:
    data = sample("customer_concession_paid", customer_name=name)
    data = replace(data, addressee=replace(data.addressee, name=name))
    lines = page_texts(render_letter(data).pdf)[0].splitlines()
    assert name in lines and f"Dear {name}," in lines


def test_each_letter_has_a_file_id_of_its_own() -> None:
    def file_id(pdf: bytes) -> object:
        return PdfReader(io.BytesIO(pdf)).trailer["/ID"][0]

    first = render_letter(sample("customer_denied")).pdf
    other = render_letter(sample("customer_denied", customer_name="Ada Lovelace")).pdf
    assert file_id(first) == file_id(render_letter(sample("customer_denied")).pdf)
    assert file_id(first) != file_id(other)


@pytest.mark.parametrize("name", ["Ada Lovelace", "Q*Bert [UK] ~ {x|y} ^ `a` = <b>", "Zoë Łukasiewicz"])
def test_letters_for_different_customers_each_read_back_their_own_name(name: str) -> None:
    # every letter's font subsets start with the same characters; the rest follow in order of use
    first = sample("customer_denied", customer_name=name)
    first = replace(first, addressee=replace(first.addressee, name=name))
    second = sample("customer_denied", customer_name="Bo Ng 7")
    second = replace(second, reference="AZ-98765432", addressee=replace(second.addressee, name="Bo Ng 7"))
    assert f"Dear {name}," in page_texts(render_letter(first).pdf)[0].splitlines()
    second_text = page_texts(render_letter(second).pdf)[0]
    assert "Bo Ng 7" in second_text and "AZ-98765432" in second_text and name not in second_text
