"""C2SP checkpoints and witnesses that cosign only consistent growth."""

from __future__ import annotations

import base64

import pytest

from dualcarbon.ledger import (
    Checkpoint,
    InconsistentCheckpoint,
    InvalidSignature,
    MalformedInput,
    Witness,
    consistency_proof,
    generate_signer,
    open_checkpoint,
    root_hash,
    sign_checkpoint,
)

ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")


def test_checkpoint_body_is_the_c2sp_text() -> None:
    # The example checkpoint of C2SP tlog-checkpoint / tlog-cosignature.
    cp = Checkpoint("example.com/behind-the-sofa", 20852163, ROOT)
    assert cp.body == "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert Checkpoint.from_body(cp.body) == cp


def test_checkpoint_extension_lines_round_trip() -> None:
    cp = Checkpoint("o", 3, ROOT, ("ext one", "ext two"))
    assert Checkpoint.from_body(cp.body) == cp


@pytest.mark.parametrize(
    "body",
    [
        "o\n3\n",
        "o\n03\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "o\n-3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "o\n3\nnot base64!\n",
        "o\n3\nAAAA\n",
        "o\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
        "\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "o\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
    ],
)
def test_malformed_checkpoint_bodies_are_refused(body: str) -> None:
    with pytest.raises(MalformedInput):
        Checkpoint.from_body(body)


def test_open_checkpoint_needs_a_log_signature(signer, witness_signer) -> None:
    cp = Checkpoint("mrv.example.cn/log", 1, ROOT)
    note = sign_checkpoint(cp, signer)
    assert open_checkpoint(note, [signer.verifier]).checkpoint == cp
    only_witness = cp.body + "\n" + witness_signer.sign(cp.body)
    with pytest.raises(InvalidSignature, match="not signed by a trusted log key"):
        open_checkpoint(only_witness, [signer.verifier, witness_signer.verifier])
    with pytest.raises(MalformedInput, match="not 'other'"):
        open_checkpoint(note, [signer.verifier], origin="other")
    with pytest.raises(InvalidSignature, match="1 required"):
        open_checkpoint(note, [signer.verifier, witness_signer.verifier], min_witnesses=1)


def _checkpoint(signer, entries):
    return sign_checkpoint(Checkpoint("mrv.example.cn/log", len(entries), root_hash(entries)), signer)


def test_witness_cosigns_consistent_growth_and_refuses_a_fork(signer, witness_signer, tmp_path) -> None:
    entries = [f"e{i}".encode() for i in range(10)]
    state = tmp_path / "witness.json"
    witness = Witness(witness_signer, [signer.verifier], state_path=state)
    first = witness.cosign(_checkpoint(signer, entries[:3]), [])
    opened = open_checkpoint(first, [signer.verifier, witness_signer.verifier], min_witnesses=1)
    assert opened.witnesses == ("regulator.example.cn/witness",)

    second = witness.cosign(_checkpoint(signer, entries[:7]), consistency_proof(entries[:7], 3))
    assert open_checkpoint(second, [signer.verifier, witness_signer.verifier], min_witnesses=1).size == 7

    # A log that rewrote entry 1 cannot prove consistency with what the witness saw.
    forked = [*entries[:1], b"rewritten", *entries[2:]]
    with pytest.raises(InconsistentCheckpoint, match="does not verify"):
        witness.cosign(_checkpoint(signer, forked[:9]), consistency_proof(forked[:9], 7))
    # A smaller checkpoint (rollback) is refused too.
    with pytest.raises(InconsistentCheckpoint, match="smaller"):
        witness.cosign(_checkpoint(signer, entries[:5]), [])
    # The witness remembers across runs, and still sits at size 7.
    again = Witness(witness_signer, [signer.verifier], state_path=state)
    assert again.last_seen("mrv.example.cn/log")[0] == 7


def test_witness_refuses_checkpoint_from_an_unknown_log_key(signer, witness_signer) -> None:
    impostor = generate_signer("mrv.example.cn/log")
    witness = Witness(witness_signer, [signer.verifier])
    with pytest.raises(InvalidSignature):
        witness.cosign(_checkpoint(impostor, [b"a"]), [])
