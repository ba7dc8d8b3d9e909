"""Request and response bodies of the accounts endpoints."""

import unicodedata

import marshmallow as ma
from marshmallow import fields, validate

from ..models import isoformat
from ..pagination import page_schema
from .models import ROLES

PLATFORMS = ("ios", "android")
TOKEN_TYPES = ("fcm", "fid")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


class Timestamp(fields.DateTime):
    """An ISO 8601 UTC time with a `Z`, as every answer of the API gives."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Must not be blank.")


def _printable(value: str) -> None:
    # Control and bidi-override characters would reach pushes and staff screens.
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in value):
        raise ma.ValidationError("Must not contain control characters.")


def _name_field(**kwargs) -> fields.String:
    return fields.String(
        validate=[validate.Length(min=1, max=200), _not_blank, _printable],
        metadata={"description": "Shown to staff and in the app", "example": "Ada"},
        **kwargs,
    )


class _NormalisedEmailSchema(ma.Schema):
    """Strips and lower-cases `email` before it is validated."""

    @ma.pre_load
    def _normalise_email(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            data = {**data, "email": data["email"].strip().lower()}
        return data


class RegisterSchema(_NormalisedEmailSchema):
    email = fields.Email(
        required=True,
        validate=validate.Length(max=320),
        metadata={"example": "ada@example.com"},
    )
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH),
    )
    name = _name_field(required=True)


class LoginSchema(_NormalisedEmailSchema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=320))
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=MAX_PASSWORD_LENGTH),
    )


class FirebaseSignInSchema(ma.Schema):
    idToken = fields.String(
        required=True,
        validate=validate.Length(min=1, max=8192),
        metadata={"description": "A Firebase Authentication ID token"},
    )


class RefreshTokenSchema(ma.Schema):
    refreshToken = fields.String(
        required=True, validate=validate.Length(min=1, max=200)
    )


class UserSchema(ma.Schema):
    id = fields.String(dump_only=True)
    email = fields.String(dump_only=True, allow_none=True)
    name = fields.String(dump_only=True, allow_none=True)
    role = fields.String(dump_only=True, metadata={"enum": list(ROLES)})
    createdAt = Timestamp(attribute="created_at", dump_only=True)


class UserUpdateSchema(ma.Schema):
    name = _name_field()


class SessionSchema(ma.Schema):
    accessToken = fields.String(metadata={"description": "A JWT for `Bearer`"})
    refreshToken = fields.String(
        metadata={"description": "Spent on use; trade it at /v1/auth/refresh"}
    )
    expiresIn = fields.Integer(
        metadata={"description": "Seconds the access token stays valid"}
    )
    tokenType = fields.String(dump_default="Bearer", metadata={"example": "Bearer"})
    user = fields.Nested(UserSchema)


class DeviceRegisterSchema(ma.Schema):
    token = fields.String(
        required=True,
        load_only=True,
        validate=[
            validate.Length(min=1, max=4096),
            validate.Regexp(r"^\S+$", error="Must not contain spaces."),
        ],
        metadata={"description": "FCM registration token or Installation ID"},
    )
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))
    tokenType = fields.String(
        load_default="fcm",
        validate=validate.OneOf(TOKEN_TYPES),
        metadata={"description": "`fid` when `token` is an Installation ID"},
    )


class DeviceSchema(ma.Schema):
    id = fields.String()
    platform = fields.String(metadata={"enum": list(PLATFORMS)})
    tokenType = fields.String(
        attribute="token_type", metadata={"enum": list(TOKEN_TYPES)}
    )
    tokenSuffix = fields.String(
        attribute="token_suffix",
        metadata={"description": "The token's last characters, to tell devices apart"},
    )
    createdAt = Timestamp(attribute="created_at")
    updatedAt = Timestamp(attribute="updated_at")


DevicePageSchema = page_schema(DeviceSchema, "DevicePage")
