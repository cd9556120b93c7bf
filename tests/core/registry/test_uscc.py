"""GB 32100-2015 统一社会信用代码: both check characters, parts, and every single-character error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.errors import InputError
from dualcarbon.registry.errors import InvalidUSCC, USCCCheckMismatch
from dualcarbon.registry.uscc import (
    CHARSET,
    USCC_WEIGHTS,
    organization_code_check_character,
    uscc_check_character,
    uscc_is_valid,
    uscc_parse,
    uscc_validate,
)

# Codes of real, listed companies, as printed in their public filings (annual reports and bond
# prospectuses: the "统一社会信用代码" line of the issuer's basic information). We could only
# confirm them in secondary public copies here (see docs/registry.md, "Test codes"); each one
# passes both independent check characters, which a random 18-character string does with
# probability 1/31 x 1/11.
PUBLISHED = {
    "91440300192181490G": "万科企业股份有限公司 (000002.SZ), Shenzhen",
    "914403001922038216": "华为技术有限公司, Shenzhen",
    "91440300192317458F": "比亚迪股份有限公司 (002594.SZ), Shenzhen",
    "91330100799655058B": "阿里巴巴（中国）有限公司, Hangzhou",
    "9144030071526726XG": "腾讯科技（深圳）有限公司, Shenzhen",
}


def test_weights_are_powers_of_three_mod_31() -> None:
    # GB 32100-2015 Appendix B lists them explicitly.
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(CHARSET) == 31 and not set("IOSVZ") & set(CHARSET)


def test_check_character_by_hand() -> None:
    # 91440300192181490G: the digit values times the weights sum to 976; 976 mod 31 = 15;
    # 31 - 15 = 16, and the character of value 16 is 'G' (A=10 ... G=16).
    first17 = "91440300192181490"
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    assert total == 976
    assert (
        total
        == 9 * 1
        + 1 * 3
        + 4 * 9
        + 4 * 27
        + 0 * 19
        + 3 * 26
        + 0 * 16
        + 0 * 17
        + 1 * 20
        + 9 * 29
        + 2 * 25
        + 1 * 13
        + 8 * 8
        + 1 * 24
        + 4 * 10
        + 9 * 30
        + 0 * 28
    )
    assert CHARSET[(31 - total % 31) % 31] == "G" == uscc_check_character(first17)


def test_organization_code_check_by_hand() -> None:
    # GB 11714: 1*3 + 9*7 + 2*9 + 1*10 + 8*5 + 1*8 + 4*4 + 9*2 = 176; 176 mod 11 = 0; 11 -> '0'
    assert organization_code_check_character("19218149") == "0"
    # 'X' when 11 - (sum mod 11) = 10: 7*3 + 1*7 + 5*9 + 2*10 + 6*5 + 7*8 + 2*4 + 6*2 = 199,
    # 199 mod 11 = 1, 11 - 1 = 10 -> 'X' (the organisation code inside 9144030071526726XG)
    assert organization_code_check_character("71526726") == "X"


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_published_codes_are_valid(code: str) -> None:
    parts = uscc_parse(code)
    assert parts.code == code
    assert parts.registration_authority == "9" and parts.category == "1"
    assert parts.category_name == "企业"


def test_parse_splits_the_parts() -> None:
    parts = uscc_parse(" 91440300192181490g ")
    assert (parts.registration_authority, parts.category, parts.region_code) == ("9", "1", "440300")
    assert parts.organization_code == "192181490" and parts.check_character == "G"
    assert parts.organization_code_display == "19218149-0"
    assert parts.registration_authority_name.startswith("工商")


@pytest.mark.parametrize(
    ("code", "position", "fragment"),
    [
        ("91440300192181490", None, "18 characters"),
        ("9I440300192181490G", 2, "character set"),
        ("914403O0192181490G", 7, "character set"),
        ("9144A300192181490G", 5, "must be a digit"),
        ("B1440300192181490G", 1, "registration-authority"),
        ("97440300192181490G", 2, "category"),
        ("91990300192181490G", 3, "provincial-level"),
        ("91440300192181491G", 17, "GB 11714"),
        ("91440300192181490H", 18, "GB 32100 gives 'G'"),
    ],
)
def test_errors_name_the_position(code: str, position: int | None, fragment: str) -> None:
    with pytest.raises(InvalidUSCC) as info:
        uscc_validate(code)
    assert info.value.position == position
    assert fragment in str(info.value)
    assert isinstance(info.value, InputError)


def test_mismatch_says_expected_and_found() -> None:
    with pytest.raises(USCCCheckMismatch) as info:
        uscc_validate("91440300192181490H")
    assert (info.value.expected, info.value.found) == ("G", "H")


def test_not_strict_skips_authority_table() -> None:
    first17 = "B1440300192181490"
    code = first17 + uscc_check_character(first17)
    assert not uscc_is_valid(code)
    assert uscc_is_valid(code, strict=False)


def test_national_registration_region() -> None:
    first17 = "91100000" + "10000133" + organization_code_check_character("10000133")
    assert uscc_is_valid(first17 + uscc_check_character(first17))


_org8 = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8)
_region = st.sampled_from(["110000", "440100", "440800", "430100", "650100", "540600", "100000"])
_authority = st.sampled_from(["91", "92", "93", "11", "12", "51", "52", "53", "Y1"])


@st.composite
def valid_codes(draw) -> str:
    """A valid USCC built from random parts with the two check functions."""
    org8 = draw(_org8)
    c9 = organization_code_check_character(org8)
    if c9 not in CHARSET:  # GB 11714 can yield 'X' (in the set) or '0'; both are; keep the guard
        c9 = "0"
    first17 = draw(_authority) + draw(_region) + org8 + c9
    return first17 + uscc_check_character(first17)


@settings(max_examples=200, deadline=None)
@given(valid_codes())
def test_generated_codes_validate(code: str) -> None:
    assert uscc_parse(code).code == code


@settings(max_examples=150, deadline=None)
@given(valid_codes(), st.integers(min_value=0, max_value=17), st.sampled_from(CHARSET))
def test_every_single_character_substitution_is_caught(code: str, index: int, char: str) -> None:
    if code[index] == char:
        return
    corrupted = code[:index] + char + code[index + 1 :]
    assert not uscc_is_valid(corrupted, strict=False)


@settings(max_examples=150, deadline=None)
@given(valid_codes(), st.integers(min_value=0, max_value=16))
def test_every_adjacent_transposition_is_caught(code: str, index: int) -> None:
    if code[index] == code[index + 1]:
        return
    swapped = code[:index] + code[index + 1] + code[index] + code[index + 2 :]
    assert not uscc_is_valid(swapped, strict=False)


def test_exhaustive_single_substitutions_of_a_published_code() -> None:
    code = "91440300192181490G"
    for i in range(18):
        for c in CHARSET:
            if c != code[i]:
                assert not uscc_is_valid(code[:i] + c + code[i + 1 :], strict=False), (i, c)
