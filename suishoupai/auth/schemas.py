"""Request and response shapes of login and profile."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.auth import names
from suishoupai.auth.models import Role
from suishoupai.fields import Id
from suishoupai.pagination import PageArgs, page_of

PHONE = validate.Regexp(r"^1[3-9]\d{9}$", error="手机号格式不正确")


class PersonName(ma.fields.String):
    """A name a person gives (display name, real name): trimmed, 1–20 characters, no control or odd
    whitespace characters, none of the reserved staff titles."""

    def __init__(self, **kwargs):
        """A string field of at most 20 characters."""
        super().__init__(validate=validate.Length(1, 20), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        """Trim, then refuse what names nobody (or impersonates staff)."""
        name = super()._deserialize(value, attr, data, **kwargs).strip()
        why = names.refusal(name)
        if why:
            raise ma.ValidationError(why)
        return name
#: fields that only an administrator may change, refused by name when a user tries
PROTECTED = ("role", "org_unit_id", "org_unit", "department_id", "department", "openid", "id")


class WechatLogin(ma.Schema):
    """The code from wx.login."""

    code = ma.fields.String(required=True, validate=validate.Length(1, 128))


class DevLogin(ma.Schema):
    """Development login by openid, optionally taking a role."""

    openid = ma.fields.String(required=True, validate=validate.Length(1, 64))
    role = ma.fields.String(validate=validate.OneOf([r.value for r in Role]))


class OrgRef(ma.Schema):
    """A short reference to an org unit."""

    id = ma.fields.Integer()
    kind = ma.fields.String()
    name = ma.fields.String()


class DepartmentRef(ma.Schema):
    """{id, name} of a department or org unit."""

    id = ma.fields.Integer()
    name = ma.fields.String()


class Me(ma.Schema):
    """The caller's profile; the phone is always masked."""

    id = ma.fields.Integer()
    nickname = ma.fields.String(allow_none=True)
    real_name = ma.fields.String(allow_none=True)
    avatar_url = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True, metadata={"description": "masked, 138****1234"})
    role = ma.fields.String()
    org_unit = ma.fields.Nested(OrgRef, allow_none=True)
    department = ma.fields.Nested(DepartmentRef, allow_none=True)
    created_at = ma.fields.AwareDateTime()


class LoginResult(ma.Schema):
    """A token for the Authorization header and the profile it stands for."""

    token = ma.fields.String()
    expires_at = ma.fields.AwareDateTime()
    user = ma.fields.Nested(Me)


class MeUpdate(ma.Schema):
    """What a user may change about themselves."""

    nickname = PersonName(metadata={"description": "the display name others see (boards mask it: 王**)"})
    real_name = PersonName(allow_none=True)
    avatar_url = ma.fields.Url(schemes={"https", "http"}, validate=validate.Length(max=500),
                               allow_none=True)
    phone = ma.fields.String(validate=PHONE, allow_none=True)

    @ma.pre_load
    def refuse_protected(self, data, **_kwargs):
        """Role and scope are granted by administrators, never taken: say so clearly."""
        if isinstance(data, dict):
            taken = sorted(k for k in data if k in PROTECTED)
            if taken:
                raise ma.ValidationError({k: ["此项只能由管理员修改"] for k in taken})
        return data


class RoleGrant(ma.Schema):
    """What an administrator sets on another user."""

    role = ma.fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    org_unit_id = Id(allow_none=True, load_default=None)
    department_id = Id(allow_none=True, load_default=None)


class RoleChangeQuery(PageArgs):
    """?user_id= narrows the list to one user."""

    user_id = Id(strict=False, load_default=None)


class RoleChange(ma.Schema):
    """One grant or revocation: who, whom, role, unit and department before and after, when."""

    id = ma.fields.Integer()
    actor_id = ma.fields.Integer(allow_none=True, metadata={"description": "None: the deployment (CLI)"})
    user_id = ma.fields.Integer()
    role_before = ma.fields.String(allow_none=True)
    role_after = ma.fields.String(allow_none=True)
    unit_before_id = ma.fields.Integer(allow_none=True)
    unit_after_id = ma.fields.Integer(allow_none=True)
    department_before_id = ma.fields.Integer(allow_none=True)
    department_after_id = ma.fields.Integer(allow_none=True)
    grid_id = ma.fields.Integer(allow_none=True, metadata={"description": "grid duty taken or left"})
    via = ma.fields.String(metadata={"description": "the endpoint that made the change, or cli"})
    created_at = ma.fields.AwareDateTime()


RoleChangePage = page_of(RoleChange)


class DevAccount(ma.Schema):
    """A demo staff account the development sign-in page offers."""

    openid = ma.fields.String()
    nickname = ma.fields.String()
    role = ma.fields.String()
    role_label = ma.fields.String()
    unit = ma.fields.String(allow_none=True, metadata={"description": "the unit or department they work for"})


class DevAccounts(ma.Schema):
    """{items: [...]}."""

    items = ma.fields.List(ma.fields.Nested(DevAccount))
