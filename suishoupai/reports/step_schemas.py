"""The body of each lifecycle step: its fields are the keyword arguments of the step's operation,
so the document shows what each step requires."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.errors import InvalidInput
from suishoupai.fields import Id

#: marshmallow's words for a field left out or sent as null
_ABSENT = {"Missing data for required field.", "Field may not be null."}


class StepBody(ma.Schema):
    """The body of a lifecycle step: each step loads its own, and its fields are the keyword
    arguments of the step's operation."""

    #: required field → (message, code) answered when it is left out or null
    REQUIRED: dict[str, tuple[str, str]] = {}

    def handle_error(self, error: ma.ValidationError, data, **kwargs):
        """A required field left out answers its own stable code, not the generic validation_error."""
        messages = error.messages if isinstance(error.messages, dict) else {}
        for name, (message, code) in self.REQUIRED.items():
            if _ABSENT & set(messages.get(name, [])):
                raise InvalidInput(message, code=code, details={"fields": {name: ["必填项"]}})


class NotedStep(StepBody):
    """A step that takes a free note for the timeline."""

    note = ma.fields.String(validate=validate.Length(max=500), allow_none=True)


class AcceptStep(NotedStep):
    """受理: take the case."""


class TransferStep(NotedStep):
    """转办: hand the case to a department of the district."""

    REQUIRED = {"department_id": ("请选择转办部门", "report.department_required")}

    department_id = Id(required=True)


class ReturnStep(StepBody):
    """退回: the department hands back a case that is not its own to whoever dispatched it, saying why."""

    REQUIRED = {"reason": ("请说明退回原因", "report.reason_required")}

    reason = ma.fields.String(required=True, validate=validate.Length(1, 200))


class EscalateStep(StepBody):
    """上报: report the case upwards, to the next level or the one named."""

    REQUIRED = {"reason": ("请说明上报原因", "report.reason_required")}

    reason = ma.fields.String(required=True, validate=validate.Length(1, 200))
    level = ma.fields.String(validate=validate.OneOf(["community", "street"]), allow_none=True)


class ResolveStep(NotedStep):
    """办结: the work is done, shown by after-photos the resolver took."""

    media_ids = ma.fields.List(Id(), validate=validate.Length(max=9), load_default=list)

    @ma.validates("media_ids")
    def _distinct(self, value, **_kwargs):
        """The same photo twice is a client bug worth saying."""
        if len(set(value)) != len(value):
            raise ma.ValidationError("照片重复")


class RejectStep(StepBody):
    """驳回: refuse the case as invalid, or as a duplicate of another."""

    REQUIRED = {"reason": ("请填写驳回原因", "report.reason_required")}

    reason = ma.fields.String(required=True, validate=validate.Length(1, 200))
    duplicate_of = Id(allow_none=True)


class ReopenStep(NotedStep):
    """重新办理: the reporter is not satisfied with the work."""


class ConfirmStep(NotedStep):
    """确认: the reporter confirms the work; the case closes."""


class RateStep(StepBody):
    """评价: the reporter rates the work, once a round; the case stays where it stands."""

    REQUIRED = {"rating": ("请选择评分", "report.rating_required")}

    rating = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))
    comment = ma.fields.String(validate=validate.Length(max=200), allow_none=True)
