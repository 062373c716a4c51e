"""Photos: upload pipeline, storage backends, serving and orphan collection."""

from flask import Flask, current_app

from suishoupai.media.storage import LocalStorage, S3Storage, Storage


def init_app(app: Flask) -> None:
    """Build the storage backend the settings name."""
    if app.config["MEDIA_BACKEND"] == "s3":
        storage: Storage = S3Storage(
            app.config["S3_BUCKET"], prefix=app.config["S3_PREFIX"],
            region=app.config["S3_REGION"] or None, endpoint_url=app.config["S3_ENDPOINT_URL"] or None,
            access_key=app.config["S3_ACCESS_KEY"] or None,
            secret_key=app.config["S3_SECRET_KEY"] or None,
            addressing_style=app.config["S3_ADDRESSING_STYLE"] or None)
    else:
        storage = LocalStorage(app.config["MEDIA_ROOT"] or f"{app.instance_path}/media")
    app.extensions["media_storage"] = storage


def storage() -> Storage:
    """The current app's storage backend."""
    return current_app.extensions["media_storage"]
