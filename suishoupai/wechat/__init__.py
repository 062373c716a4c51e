"""The WeChat server API behind a small contract."""

from flask import Flask, current_app

from suishoupai.wechat.client import WeChatClient


def init_app(app: Flask) -> None:
    """Build the app's WeChat client from its settings."""
    app.extensions["wechat"] = WeChatClient(
        base_url=app.config["WECHAT_API_BASE"],
        appid=app.config["WECHAT_APPID"],
        secret=app.config["WECHAT_SECRET"],
        timeout=app.config["WECHAT_TIMEOUT"],
    )


def client() -> WeChatClient:
    """The current app's WeChat client."""
    return current_app.extensions["wechat"]
