"""The privacy notice (用户隐私保护指引): what is collected, why, and for how long, from the settings."""

from __future__ import annotations

from collections.abc import Mapping

TITLE = "用户隐私保护指引"

#: (what, why, how long) — {SETTING} placeholders are filled from the configuration
ITEMS = (
    ("微信账号标识（openid、unionid）与会话密钥", "登录并识别您的账号",
     "账号存续期间保存；注销账号时立即删除"),
    ("昵称、姓名、头像", "在您办理的事项中显示；对其他居民只显示角色与姓氏",
     "账号存续期间保存；注销账号时立即删除"),
    ("手机号（加密存储，显示时打码）", "办理人员就您反映的问题联系您",
     "账号存续期间保存；注销账号时立即删除"),
    ("随手拍的描述、位置、地址与照片", "派单、处置并公开办理进度",
     "案件办结满 {PRIVACY_CASE_MONTHS} 个月后删除地址及与您的关联，案件作为不含您身份的公共记录保留"),
    ("照片的拍摄位置与拍摄时间（加密存储，从不公开）", "核对办结照片是否在现场拍摄",
     "上报照片在提交时即删除；办结照片在案件办结 {PRIVACY_AFTER_PHOTO_EXIF_DAYS} 天后删除"),
    ("微心愿受助人的姓名、联系方式与住址（加密存储）", "认领人联系并上门帮助",
     "心愿确认完成 {PRIVACY_WISH_MONTHS} 个月后删除"),
    ("骑手登记信息（平台、工号、手机号）", "社区核验身份并发放贡献积分",
     "账号存续期间保存；注销账号时删除"),
    ("志愿者（双报到）登记信息", "社区审核并安排认领心愿",
     "账号存续期间保存；注销账号时删除单位信息"),
    ("积分账本", "积分发放、兑换可核查、防篡改",
     "长期保存且只增不改；注销后与您的身份断开，未领取的兑换先退回积分"),
    ("消息通知", "告知您所办事项的进展", "{PRIVACY_NOTIFICATION_DAYS} 天后删除；注销账号时立即删除"),
    ("重复提交保护记录", "网络重试时不重复创建", "{PRIVACY_IDEMPOTENCY_HOURS} 小时后删除"),
)
RIGHTS = (
    ("查阅与复制", "GET /api/v1/me/export：导出我们保存的关于您的全部信息"),
    ("更正", "PATCH /api/v1/me：修改昵称、姓名、头像与手机号"),
    ("删除（注销账号）", 'DELETE /api/v1/me，请求体 {"confirm": "注销"}：删除或匿名化您的个人信息'),
)
#: the settings the notice publishes, by the name they are published under
PERIODS = {"case_months": "PRIVACY_CASE_MONTHS", "wish_months": "PRIVACY_WISH_MONTHS",
           "after_photo_exif_days": "PRIVACY_AFTER_PHOTO_EXIF_DAYS",
           "notification_days": "PRIVACY_NOTIFICATION_DAYS", "idempotency_hours": "PRIVACY_IDEMPOTENCY_HOURS"}


def notice(config: Mapping) -> dict:
    """The notice with this deployment's periods written in."""
    values = {setting: config[setting] for setting in PERIODS.values()}
    return {"title": TITLE,
            "items": [{"data": data, "purpose": purpose, "retention": kept.format(**values)}
                      for data, purpose, kept in ITEMS],
            "rights": [{"right": right, "how": how} for right, how in RIGHTS],
            "periods": {name: config[setting] for name, setting in PERIODS.items()}}
