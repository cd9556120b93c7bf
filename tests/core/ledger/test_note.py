"""C2SP signed notes: known-answer tests from Go's sumdb/note and transparency-dev/formats."""

from __future__ import annotations

import base64
import contextlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.ledger import InvalidSignature, MalformedInput, generate_signer, parse_signer, parse_verifier
from dualcarbon.ledger.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    key_id,
    open_note,
    parse_note,
    sign_note,
)

# golang.org/x/mod/sumdb/note, note.go package documentation and note_test.go: a published key
# pair and the note it signs. Ed25519 is deterministic, so signing must reproduce the line exactly.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# golang.org/x/mod/sumdb/note note_test.go: a second published verifier key.
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
# transparency-dev/formats note/note_cosigv1_test.go: a type-0x01 key whose base64 holds a '+',
# a native cosignature/v1 (type 0x04) key, and a cosignature whose timestamp is 1727964367.
PLUS_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"
COSIG_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
COSIG_SAMPLE = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
)


def test_go_signer_reproduces_published_note() -> None:
    signer = parse_signer(GO_SKEY)
    assert signer.verifier.vkey == GO_VKEY
    assert signer.skey == GO_SKEY
    assert sign_note(GO_TEXT, signer) == GO_NOTE


def test_go_note_opens_with_published_key() -> None:
    note, verified = open_note(GO_NOTE, [parse_verifier(GO_VKEY)])
    assert note.text == GO_TEXT
    assert [v.verifier.name for v in verified] == ["PeterNeumann"]


def test_note_signed_by_unknown_key_is_refused() -> None:
    with pytest.raises(InvalidSignature, match="no signature from a trusted key"):
        open_note(GO_NOTE, [parse_verifier(ENOCH_VKEY)])


def test_tampered_note_text_is_refused() -> None:
    with pytest.raises(InvalidSignature, match="does not verify"):
        open_note(GO_NOTE.replace("answer", "answers"), [parse_verifier(GO_VKEY)])


@pytest.mark.parametrize(
    ("vkey", "alg"), [(PLUS_VKEY, ALG_ED25519), (COSIG_VKEY, ALG_COSIGNATURE_V1), (ENOCH_VKEY, ALG_ED25519)]
)
def test_published_verifier_keys_parse_with_matching_key_id(vkey: str, alg: int) -> None:
    v = parse_verifier(vkey)
    assert v.alg == alg
    assert v.vkey == vkey
    assert f"{key_id(v.name, alg, v.public_key):08x}" == vkey.split("+")[1]


@pytest.mark.parametrize(
    "vkey",
    [
        "bananas.sigstore.dev+12344556",
        "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!",
        "rekor.sigstore.dev+12345678+AwEB",
        "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+AxpczQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "",
    ],
)
def test_malformed_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(MalformedInput):
        parse_verifier(vkey)


def test_every_single_character_mangling_of_a_vkey_is_refused_or_a_different_key() -> None:
    for i in range(len(GO_VKEY)):
        mangled = GO_VKEY[:i] + GO_VKEY[i + 1 :]
        try:
            v = parse_verifier(mangled)
        except MalformedInput:
            continue
        assert v.vkey != GO_VKEY


def test_published_cosignature_carries_its_timestamp() -> None:
    parsed = parse_note("x\n\n— remora.n621.de " + COSIG_SAMPLE + "\n")
    sig = parsed.signatures[0]
    assert sig.key_id == 0x646846B9
    assert struct.unpack(">Q", sig.signature[:8])[0] == 1727964367


def test_cosignature_signs_the_c2sp_message() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    witness = generate_signer("w.example/1", cosigner=True)
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    line = witness.sign(text, timestamp=1679315147)
    blob = base64.b64decode(line.split()[-1])
    assert int.from_bytes(blob[:4], "big") == key_id("w.example/1", 0x04, witness.verifier.public_key)
    assert struct.unpack(">Q", blob[4:12])[0] == 1679315147
    message = b"cosignature/v1\ntime 1679315147\n" + text.encode()
    Ed25519PublicKey.from_public_bytes(witness.verifier.public_key).verify(blob[12:], message)
    _, verified = open_note(text + "\n" + line, [witness.verifier])
    assert verified[0].timestamp == 1679315147


def test_same_seed_as_plain_key_does_not_open_a_cosignature() -> None:
    witness = generate_signer("w.example/1", cosigner=True)
    from dualcarbon.ledger.note import Signer

    plain = Signer(witness.name, ALG_ED25519, witness.seed)
    note = "body\n\n" + witness.sign("body\n", timestamp=5)
    with pytest.raises(InvalidSignature):
        open_note(note, [plain.verifier])


@pytest.mark.parametrize(
    "note",
    [
        "no blank line\n— a AAAAAAA=\n",
        "text\n\n",
        "text\n\nsignature without dash\n",
        "text\n\n— name-only\n",
        "text\n\n— name not!base64\n",
        "text\n\n— name AAAA\n",
        "text\x07\n\n— name AAAAAAA=\n",
        "text\n\n— name AAAAAAA=",
        b"\xff\xfe\n\n",
    ],
)
def test_malformed_notes_are_refused(note) -> None:
    with pytest.raises(MalformedInput):
        parse_note(note)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_note_parser_only_ever_raises_malformed_input(text) -> None:
    with contextlib.suppress(MalformedInput):
        parse_note(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_verifier_parser_only_ever_raises_malformed_input(text) -> None:
    with contextlib.suppress(MalformedInput):
        parse_verifier(text)
