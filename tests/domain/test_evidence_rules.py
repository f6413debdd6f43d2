"""Evidence rules without a database: the checklist, content sniffing, safe names."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.evidence import (
    JPEG,
    PDF,
    PNG,
    REQUIRED_EVIDENCE,
    TEXT,
    check_filename,
    classify,
    hamming,
    missing_evidence,
    parse_kind,
    safe_filename,
)
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import EvidenceKind as K
from atoz_desk.domain.states import IncidentType as T

SHA = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("incident", "present", "missing"),
    [
        (T.PERSONAL_INJURY, [], [K.MEDICAL_RECORD]),
        (T.PERSONAL_INJURY, [K.PHOTO, K.RECEIPT], [K.MEDICAL_RECORD]),
        (T.PERSONAL_INJURY, [K.MEDICAL_RECORD], []),
        (T.PROPERTY_DAMAGE, [], [K.PHOTO, K.REPAIR_ESTIMATE]),
        (T.PROPERTY_DAMAGE, [K.PHOTO, K.PHOTO], [K.REPAIR_ESTIMATE]),
        (T.PROPERTY_DAMAGE, [K.REPAIR_ESTIMATE, K.PHOTO], []),
        (T.BOTH, [K.PHOTO], [K.REPAIR_ESTIMATE, K.MEDICAL_RECORD]),
        (T.BOTH, ["photo", "repair_estimate", "medical_record"], []),
    ],
)
def test_checklist_reports_the_missing_kinds_per_incident_type(
    incident: T, present: list[K], missing: list[K]
) -> None:
    assert missing_evidence(incident, present) == tuple(missing)


def test_every_incident_type_has_a_checklist() -> None:
    assert set(REQUIRED_EVIDENCE) == set(T)


def _image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, format=fmt)
    return out.getvalue()


def test_content_decides_the_type_not_the_name() -> None:
    assert classify(_image_bytes("JPEG")) == JPEG
    assert classify(_image_bytes("PNG")) == PNG
    assert classify(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n") == PDF
    assert classify("Reçu n° 12 — total 45,00 €\n".encode()) == TEXT
    assert classify(_image_bytes("GIF")).media_type == "image/gif"
    assert classify(_image_bytes("WEBP")).media_type == "image/webp"
    assert classify(_image_bytes("TIFF")).media_type == "image/tiff"


@pytest.mark.parametrize(
    ("head", "named"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00", "Windows executable"),
        (b"\x7fELF\x02\x01\x01\x00", "Linux executable (ELF)"),
        (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01", "macOS executable"),
        (b"#!/bin/sh\nrm -rf ~\n", "script"),
    ],
)
def test_executables_are_refused_naming_what_they_are(head: bytes, named: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(named)):
        classify(head)


def test_empty_and_unknown_content_is_refused() -> None:
    with pytest.raises(ValidationError, match="empty"):
        classify(b"")
    with pytest.raises(ValidationError, match="not a recognised type"):
        classify(b"\x00\x01\x02\x03binary\x00junk")


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.jpg", "a/b.jpg", "..\\x.pdf", "..", "bad\nname.jpg", "a\x00.pdf"]
)
def test_names_with_paths_or_control_characters_are_refused(name: str) -> None:
    with pytest.raises(ValidationError) as err:
        check_filename(name)
    assert "Nothing was stored" in str(err.value) or err.value.field == "filename"


def test_stored_names_are_clean_and_keep_the_extension_the_content_implies() -> None:
    assert safe_filename("receipt.jpg", PDF, SHA) == "receipt.pdf"
    assert safe_filename('kitchen: "before" <1>?.png', PNG, SHA) == "kitchen_ _before_ _1.png"
    assert safe_filename("???.jpg", JPEG, SHA) == "evidence-01234567.jpg"
    assert safe_filename("CON.txt", TEXT, SHA) == "CON_.txt"
    long = safe_filename("x" * 500 + ".jpg", JPEG, SHA)
    assert len(long) <= 120 and long.endswith(".jpg")
    assert safe_filename("Zoë's photo.JPEG", JPEG, SHA) == "Zoë's photo.jpg"


def test_kinds_parse_with_a_helpful_error() -> None:
    assert parse_kind("Medical_Record") is K.MEDICAL_RECORD
    with pytest.raises(ValidationError, match="medical_record"):
        parse_kind("xray")


def test_hamming_distance_of_hex_hashes() -> None:
    assert hamming("0" * 16, "0" * 16) == 0
    assert hamming("0" * 16, "f" * 16) == 64
    assert hamming("8000000000000001", "0000000000000000") == 2


def test_evidence_size_limit_is_a_validated_policy_setting() -> None:
    assert PolicySettings().evidence_max_bytes == 25 * 1024 * 1024
    assert PolicySettings().with_overrides({"evidence_max_bytes": "1048576"}).evidence_max_bytes == 1048576
    with pytest.raises(ValidationError, match="at least 1"):
        PolicySettings().with_overrides({"evidence_max_bytes": 0})
