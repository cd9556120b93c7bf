"""统一社会信用代码 (unified social credit identifier, USCC) under GB 32100-2015.

A USCC has 18 characters from a 31-character set: the digits and the capital letters other than
I, O, S, V and Z (GB 32100-2015, 4.1 and Table 2 "代码字符集")::

    position  1      registration authority  (登记管理部门代码)
    position  2      organisation category   (机构类别代码), defined per authority
    positions 3-8    region code of the registering office (GB/T 2260, "100000" = national level)
    positions 9-17   subject identifier = the organisation code of GB 11714 (主体标识码/组织机构代码),
                     whose ninth character (position 17) is its own check character
    position  18     check character of the whole code

Check character of the organisation code (GB 11714-1997, 5.2): the first eight characters take
the values 0-9 for digits and A=10 ... Z=35 for letters, weights 3, 7, 9, 10, 5, 8, 4, 2;
C9 = 11 - (sum mod 11), written 'X' when C9 = 10 and '0' when C9 = 11.

Check character of the USCC (GB 32100-2015, 5 and Appendix B): each of the first 17 characters
takes its index in the character set (0-9, A=10, B=11, ..., H=17, J=18, ..., N=22, P=23, Q=24,
R=25, T=26, U=27, W=28, X=29, Y=30), weight W_i = 3^(i-1) mod 31, i.e. 1, 3, 9, 27, 19, 26, 16,
17, 20, 29, 25, 13, 8, 24, 10, 30, 28; C18 = 31 - (sum mod 31), and 31 is written as '0'.

Because 31 is prime and no weight is 0 mod 31, changing any one character to another character
of the set always changes the sum mod 31, so every single-character error is caught; and because
adjacent weights differ, so is every swap of two adjacent different characters.

References
----------
GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》 (AQSIQ/SAC, issued 2015-09-17, in force
2015-10-01; amended by GB 32100-2015/XG1-2016), sections 4-5 and Appendix B; it cites GB/T 2260,
GB 11714 and GB/T 17710 (ISO 7064, the check-character systems) as normative references.
Standard page: openstd.samr.gov.cn, hcno=24691C25985C1073D3A7C85629378AC0; bibliographic data as
listed by csres.com/detail/274489.html.
GB 11714-1997 《全国组织机构代码编制规则》, section 5.
The authority and category tables (:data:`REGISTRATION_AUTHORITIES`, :data:`CATEGORIES`) agree with
the table reproduced at cingblog.top ("注册号、统一信用代码规则", 2021), a secondary copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from dualcarbon.registry.errors import InvalidRegionCode, InvalidUSCC, USCCCheckMismatch
from dualcarbon.registry.gb2260 import region_code_check

__all__ = [
    "CATEGORIES",
    "CHARSET",
    "ORGANIZATION_CODE_WEIGHTS",
    "REGISTRATION_AUTHORITIES",
    "USCC",
    "USCC_WEIGHTS",
    "organization_code_check_character",
    "uscc_check_character",
    "uscc_is_valid",
    "uscc_normalize",
    "uscc_parse",
    "uscc_validate",
]

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100-2015 Table 2, in the order of their values 0..30."""

_VALUE = {c: i for i, c in enumerate(CHARSET)}
_DIGITS = frozenset("0123456789")
USCC_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))
ORGANIZATION_CODE_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)

REGISTRATION_AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商（市场监管）",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
"""Position 1: registration authorities (GB 32100-2015 Table 1 as amended by XG1-2016)."""

CATEGORIES: dict[str, dict[str, str]] = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    "2": {"1": "外国常驻新闻机构", "9": "其他"},
    "3": {
        "1": "律师执业机构",
        "2": "公证处",
        "3": "基层法律服务所",
        "4": "司法鉴定机构",
        "5": "仲裁委员会",
        "9": "其他",
    },
    "4": {"1": "外国在华文化中心", "9": "其他"},
    "5": {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
    "6": {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    "7": {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"},
    "8": {"1": "基层工会", "9": "其他"},
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
    "A": {"1": "军队事业单位", "9": "其他"},
    "N": {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    "Y": {"1": "其他"},
}
"""Position 2: organisation categories per authority (GB 32100-2015 Table 1 and amendments).

Transcribed from the standard as commonly reproduced, not checked against its printed text here;
``uscc_validate(..., strict=False)`` skips this table and checks only structure and check characters.
"""


def _gb11714_value(char: str) -> int:
    """Value of one organisation-code character: 0-9, then A=10 ... Z=35 (GB 11714-1997, 5.2)."""
    if char in _DIGITS:
        return int(char)
    return ord(char) - ord("A") + 10


def uscc_normalize(code: str) -> str:
    """Strip surrounding blanks and upper-case ``code`` (no other change)."""
    if not isinstance(code, str):
        raise InvalidUSCC(f"a 统一社会信用代码 is text, not {type(code).__name__}", value=code)
    return code.strip().upper()


def _check_charset(text: str, first_position: int, value: str) -> None:
    for offset, char in enumerate(text):
        if char not in _VALUE:
            pos = first_position + offset
            raise InvalidUSCC(
                f"position {pos} ({char!r}) is not in the GB 32100 character set "
                "(0-9 and A-H, J-N, P-R, T-U, W-Y; never I, O, S, V or Z)",
                position=pos,
                value=value,
            )


def uscc_check_character(first17: str) -> str:
    """The 18th (check) character of a USCC from its first 17 characters (GB 32100-2015, 5).

    Parameters
    ----------
    first17 : str
        The first 17 characters, each from :data:`CHARSET`.

    Returns
    -------
    str
        C18 = 31 - (sum_i value_i * 3^(i-1) mod 31) mod 31, as a character of the set (31 -> '0').

    Examples
    --------
    >>> uscc_check_character("91440300192181490")
    'G'
    """
    first17 = uscc_normalize(first17)
    if len(first17) != 17:
        raise InvalidUSCC(f"need the first 17 characters of a USCC, got {len(first17)}", value=first17)
    _check_charset(first17, 1, first17)
    total = sum(_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def organization_code_check_character(first8: str) -> str:
    """The ninth (check) character of a GB 11714 organisation code from its first eight characters.

    C9 = 11 - (sum_i value_i * w_i mod 11) with w = 3, 7, 9, 10, 5, 8, 4, 2, digits 0-9 and
    letters A=10 ... Z=35; 10 is written 'X' and 11 is written '0' (GB 11714-1997, 5.2).

    Examples
    --------
    >>> organization_code_check_character("19218149")
    '0'
    """
    first8 = uscc_normalize(first8)
    if len(first8) != 8 or not all(c in _DIGITS or "A" <= c <= "Z" for c in first8):
        raise InvalidUSCC(
            f"need 8 digits or capital letters of an organisation code, got {first8!r}", value=first8
        )
    total = sum(_gb11714_value(c) * w for c, w in zip(first8, ORGANIZATION_CODE_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


@dataclass(frozen=True, slots=True)
class USCC:
    """The parts of a valid 统一社会信用代码 (GB 32100-2015, 4)."""

    code: str
    registration_authority: str
    registration_authority_name: str | None
    category: str
    category_name: str | None
    region_code: str
    organization_code: str
    check_character: str

    def __str__(self) -> str:
        return self.code

    @property
    def organization_code_display(self) -> str:
        """The organisation code as printed on old certificates, ``dddddddd-c`` (eight code characters, a hyphen, the check character)."""
        return f"{self.organization_code[:8]}-{self.organization_code[8]}"


def uscc_validate(code: str, *, strict: bool = True, check_organization_code: bool = True) -> str:
    """Check ``code`` against GB 32100-2015 and return it normalised (stripped, upper case).

    Parameters
    ----------
    code : str
        The code to check.
    strict : bool
        Also require a known registration authority (position 1) and a category that authority
        defines (position 2), per :data:`REGISTRATION_AUTHORITIES` and :data:`CATEGORIES`.
    check_organization_code : bool
        Also check the GB 11714 check character at position 17.

    Raises
    ------
    InvalidUSCC
        Wrong length, a character outside the set, a non-digit region code, an unknown authority
        or category (strict), or an ill-formed region code; ``.position`` says where.
    USCCCheckMismatch
        The check character at position 17 (GB 11714) or 18 (GB 32100) does not match.
    """
    value = uscc_normalize(code)
    if len(value) != 18:
        raise InvalidUSCC(f"a 统一社会信用代码 has 18 characters; {value!r} has {len(value)}", value=code)
    _check_charset(value, 1, value)
    for pos in range(3, 9):
        if value[pos - 1] not in _DIGITS:
            raise InvalidUSCC(
                f"position {pos} ({value[pos - 1]!r}) must be a digit: positions 3-8 are the GB/T 2260 region code",
                position=pos,
                value=value,
            )
    if strict:
        authority = value[0]
        if authority not in REGISTRATION_AUTHORITIES:
            raise InvalidUSCC(
                f"position 1 ({authority!r}) is not a registration-authority code of GB 32100 "
                f"(known: {', '.join(REGISTRATION_AUTHORITIES)})",
                position=1,
                value=value,
            )
        categories = CATEGORIES[authority]
        if value[1] not in categories:
            raise InvalidUSCC(
                f"position 2 ({value[1]!r}) is not an organisation category of authority {authority!r} "
                f"({REGISTRATION_AUTHORITIES[authority]}: {', '.join(categories)})",
                position=2,
                value=value,
            )
    region = value[2:8]
    if region != "100000":
        try:
            region_code_check(region)
        except InvalidRegionCode as exc:
            raise InvalidUSCC(f"positions 3-8 ({region}): {exc.reason}", position=3, value=value) from exc
    if check_organization_code:
        expected = organization_code_check_character(value[8:16])
        if value[16] != expected:
            raise USCCCheckMismatch(
                f"position 17 ({value[16]!r}) is not the check character of organisation code {value[8:16]}; "
                f"GB 11714 gives {expected!r}",
                position=17,
                expected=expected,
                found=value[16],
                value=value,
            )
    expected = uscc_check_character(value[:17])
    if value[17] != expected:
        raise USCCCheckMismatch(
            f"position 18 ({value[17]!r}) is not the check character of {value[:17]}; GB 32100 gives {expected!r}",
            position=18,
            expected=expected,
            found=value[17],
            value=value,
        )
    return value


def uscc_is_valid(code: str, *, strict: bool = True) -> bool:
    """True when :func:`uscc_validate` accepts ``code``."""
    try:
        uscc_validate(code, strict=strict)
    except InvalidUSCC:
        return False
    return True


def uscc_parse(code: str, *, strict: bool = True) -> USCC:
    """Validate ``code`` and split it into its parts.

    Examples
    --------
    >>> parts = uscc_parse("91440300192181490G")
    >>> parts.registration_authority, parts.category, parts.region_code, parts.organization_code
    ('9', '1', '440300', '192181490')
    """
    value = uscc_validate(code, strict=strict)
    authority, category = value[0], value[1]
    return USCC(
        code=value,
        registration_authority=authority,
        registration_authority_name=REGISTRATION_AUTHORITIES.get(authority),
        category=category,
        category_name=CATEGORIES.get(authority, {}).get(category),
        region_code=value[2:8],
        organization_code=value[8:17],
        check_character=value[17],
    )
