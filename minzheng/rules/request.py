"""Validate a household request against household.schema.json and the rules' own checks.

Every error carries the JSON path of the bad field and a message in Chinese and English; a
request with any error is refused whole, and nothing is computed from a guess.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from minzheng.rules.id_number import IdNumberError, parse_id_number
from minzheng.rules.parameters import earliest_month, month_start

CONTRACTS_DIR = Path(__file__).parent / "contracts"


@dataclass(frozen=True)
class RequestIssue:
    path: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message_zh": self.message_zh, "message_en": self.message_en}


class RequestError(ValueError):
    """A request that cannot be assessed; `issues` lists every problem found."""

    def __init__(self, issues: list[RequestIssue]) -> None:
        super().__init__("; ".join(f"{issue.path}: {issue.message_en}" for issue in issues))
        self.issues = issues


@dataclass(frozen=True)
class ValidRequest:
    data: dict[str, Any]
    as_of: str
    division: str
    birth_dates: list[dt.date]


@cache
def contract(name: str) -> dict[str, Any]:
    return json.loads((CONTRACTS_DIR / name).read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(contract("household.schema.json"), format_checker=FormatChecker())


def json_path(parts: Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


TYPE_NAMES = {
    "object": "对象",
    "array": "数组",
    "string": "字符串",
    "number": "数字",
    "integer": "整数",
    "boolean": "布尔值（true/false）",
    "null": "空值",
}


def _schema_issue(error: ValidationError) -> list[RequestIssue]:
    path = list(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    if keyword == "required":
        missing = [name for name in value if name not in error.instance]
        return [
            RequestIssue(json_path([*path, name]), "缺少必填字段", "a required field is missing")
            for name in missing
        ]
    if keyword == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = [name for name in error.instance if name not in allowed]
        return [
            RequestIssue(json_path([*path, name]), "不允许的字段", "this field is not allowed")
            for name in extra
        ]
    if keyword == "enum":
        options = "、".join(str(option) for option in value)
        return [
            RequestIssue(
                json_path(path),
                f"取值无效，应为以下之一：{options}",
                f"invalid value, expected one of: {', '.join(str(option) for option in value)}",
            )
        ]
    if keyword == "type":
        kinds = value if isinstance(value, list) else [value]
        return [
            RequestIssue(
                json_path(path),
                "类型错误，应为" + "或".join(TYPE_NAMES.get(kind, kind) for kind in kinds),
                f"wrong type, expected {' or '.join(kinds)}",
            )
        ]
    if keyword == "minimum":
        if value == 0:
            return [RequestIssue(json_path(path), "不能为负数", "must not be negative")]
        return [RequestIssue(json_path(path), f"不能小于{value}", f"must be at least {value}")]
    if keyword == "maximum":
        return [RequestIssue(json_path(path), f"不能大于{value}", f"must be at most {value}")]
    if keyword == "minItems":
        return [
            RequestIssue(json_path(path), f"至少需要{value}项", f"needs at least {value} items")
        ]
    if keyword == "maxItems":
        return [RequestIssue(json_path(path), f"最多{value}项", f"allows at most {value} items")]
    if keyword == "minLength":
        return [RequestIssue(json_path(path), "不能为空", "must not be empty")]
    if keyword == "maxLength":
        return [RequestIssue(json_path(path), f"最长{value}个字符", f"at most {value} characters")]
    if keyword == "pattern" and path == ["as_of"]:
        return [RequestIssue("$.as_of", "评估月份格式应为 YYYY-MM", "as_of must be YYYY-MM")]
    if keyword == "pattern" and path == ["division"]:
        return [
            RequestIssue(
                "$.division", "行政区划代码应为6、9或12位数字", "division must be 6, 9 or 12 digits"
            )
        ]
    if keyword == "format":
        return [
            RequestIssue(json_path(path), "日期格式应为 YYYY-MM-DD", "a date must be YYYY-MM-DD")
        ]
    return [RequestIssue(json_path(path), "取值无效", f"invalid value: {error.message}")]


@cache
def _rules_earliest_month() -> dt.date:
    """The first month of the parameters the programmes read (casework ones do not count)."""
    import minzheng.rules.programs  # noqa: F401 - declares the formulas and their parameters
    from minzheng.rules.engine import VARIABLES

    return earliest_month({name for variable in VARIABLES.values() for name in variable.parameters})


def validate_request(data: Any) -> ValidRequest:
    """Return the request with resolved birth dates, or raise RequestError with every issue."""
    if not isinstance(data, dict):
        raise RequestError([RequestIssue("$", "请求应为JSON对象", "the request must be an object")])
    issues: list[RequestIssue] = []
    for error in sorted(_validator().iter_errors(data), key=lambda item: list(item.path)):
        issues.extend(_schema_issue(error))
    if issues:
        raise RequestError(issues)

    as_of = data["as_of"]
    first = _rules_earliest_month()
    if as_of < f"{first:%Y-%m}":  # YYYY-MM strings compare as months
        raise RequestError(
            [
                RequestIssue(
                    "$.as_of",
                    f"评估月份早于最早的参数（{first:%Y-%m}），无法评估",
                    f"as_of is before the earliest parameter ({first:%Y-%m})",
                )
            ]
        )
    month = month_start(as_of)
    last_day = _last_day(month)
    members = data["members"]
    ids = [member["id"] for member in members]
    for index, member_id in enumerate(ids):
        if ids.index(member_id) != index:
            issues.append(
                RequestIssue(
                    f"$.members[{index}].id",
                    f"成员编号“{member_id}”重复",
                    f"member id {member_id!r} is used twice",
                )
            )
    heads = [index for index, member in enumerate(members) if member["relation"] == "head"]
    if len(heads) != 1:
        issues.append(
            RequestIssue(
                "$.members",
                f"应有且只有一名户主（head），实有{len(heads)}名",
                f"exactly one member must be the head, found {len(heads)}",
            )
        )
    if all(member.get("deceased", False) for member in members):
        issues.append(
            RequestIssue("$.members", "至少需要一名在世成员", "at least one member must be alive")
        )
    birth_dates = []
    for index, member in enumerate(members):
        birth_date = _birth_date(member, index, last_day, issues)
        birth_dates.append(birth_date or dt.date(1900, 1, 1))
    if issues:
        raise RequestError(issues)
    return ValidRequest(
        data=data,
        as_of=as_of,
        division=data.get("division", "320582"),
        birth_dates=birth_dates,
    )


def _last_day(month: dt.date) -> dt.date:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _birth_date(
    member: dict[str, Any], index: int, last_day: dt.date, issues: list[RequestIssue]
) -> dt.date | None:
    prefix = f"$.members[{index}]"
    given = dt.date.fromisoformat(member["birth_date"]) if "birth_date" in member else None
    id_number = member.get("id_number")
    if id_number is None:
        if given is None:
            issues.append(
                RequestIssue(
                    f"{prefix}.birth_date",
                    "未填写公民身份号码时，出生日期必填",
                    "birth_date is required when id_number is absent",
                )
            )
            return None
        birth_date = given
    else:
        try:
            info = parse_id_number(id_number, today=last_day)
        except IdNumberError as error:
            issues.append(RequestIssue(f"{prefix}.id_number", error.message_zh, error.message_en))
            return None
        if given is not None and given != info.birth_date:
            issues.append(
                RequestIssue(
                    f"{prefix}.birth_date",
                    f"出生日期与公民身份号码中的出生日期（{info.birth_date.isoformat()}）不一致",
                    f"birth_date disagrees with the id number ({info.birth_date.isoformat()})",
                )
            )
        if "sex" in member and member["sex"] != info.sex:
            issues.append(
                RequestIssue(
                    f"{prefix}.sex",
                    "性别与公民身份号码不一致",
                    "sex disagrees with the id number",
                )
            )
        birth_date = info.birth_date
    if birth_date > last_day:
        issues.append(
            RequestIssue(
                f"{prefix}.birth_date",
                "出生日期晚于评估月份",
                "birth_date is after the assessed month",
            )
        )
    return birth_date
