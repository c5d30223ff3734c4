"""Chinese labels for registry field names and coded values, for errors and change history."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from minzheng.registry.models import DisabilityCategory, MaritalStatus, Relation, Sex

FIELD_LABELS = {
    "name": _("姓名"),
    "id_number": _("公民身份号码"),
    "sex": _("性别"),
    "phone": _("联系电话"),
    "hukou_division_code": _("户籍地"),
    "residence_division_code": _("居住地"),
    "marital_status": _("婚姻状况"),
    "disability_category": _("残疾类别"),
    "disability_grade": _("残疾等级"),
    "disability_valid_from": _("残疾证有效期起"),
    "disability_valid_to": _("残疾证有效期止"),
    "serious_illness": _("患重特大疾病"),
    "death_date": _("死亡日期"),
    "number": _("户号"),
    "address": _("住址"),
    "division_code": _("区划代码"),
    "relation": _("与户主关系"),
    "members": _("成员"),
    "person": _("人员"),
    "household": _("家庭户"),
    "on": _("日期"),
    "valid_from": _("起始日期"),
    "household_id": _("家庭编号"),
    "from_household_id": _("原家庭编号"),
    "to_household_id": _("新家庭编号"),
    "person_id": _("人员编号"),
    "old_head_id": _("原户主编号"),
    "new_head_id": _("新户主编号"),
    "rows": _("行数"),
    "filters": _("条件"),
    "added": _("新增"),
    "codes": _("区划代码"),
    "file": _("文件"),
    "code": _("区划代码"),
    "kind": _("区划类别"),
    "parent_code": _("上级区划"),
    "role": _("角色"),
    "username": _("用户名"),
    "password": _("密码"),
    "business_line": _("业务条线"),
    "division": _("管辖区划"),
    "is_active": _("启用"),
    "first_name": _("姓名"),
    "tokens_revoked": _("作废的接口令牌"),
    "devices_removed": _("移除的验证器"),
    "cleared": _("已清除"),
    "backup_codes": _("备用验证码"),
    "two_factor": _("双因素认证"),
    "remaining": _("剩余"),
    "demo": _("演示"),
    "field": _("信息项"),
    "reason": _("原因"),
    "current_key": _("当前密钥"),
    "reencrypted": _("重新加密"),
    "retired": _("停用的密钥"),
    "households_added": _("新增家庭"),
    "persons_added": _("新增人员"),
}
# Coded values shown by their label, per field.
VALUE_LABELS = {
    "marital_status": dict(MaritalStatus.choices),
    "disability_category": dict(DisabilityCategory.choices),
    "relation": dict(Relation.choices),
    "sex": dict(Sex.choices),
}


def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def value_label(field: str, value: object) -> object:
    """The label of a coded value; other values unchanged."""
    labels = VALUE_LABELS.get(field)
    if labels is not None and isinstance(value, str) and value in labels:
        return str(labels[value])
    return value
