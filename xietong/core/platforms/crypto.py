"""The platforms' callback signatures and encryption, as each documents it.

DingTalk and WeCom (the same scheme, WXBizMsgCrypt / DingCallbackCrypto): the request carries
msg_signature (DingTalk also calls it signature), timestamp and nonce in the query string and the event in
`encrypt`; signature = sha1 of token, timestamp, nonce and encrypt sorted and joined; encrypt =
base64(AES-256-CBC(key = base64(EncodingAESKey + "="), iv = key[:16], PKCS#7 to 32 bytes) of 16 random
bytes + the message's length (4 bytes, big-endian) + the message + the receiver id (corp id or app key)).

Feishu (事件与回调, with an Encrypt Key): X-Lark-Signature = sha256 hex of timestamp + nonce + encrypt key +
body; the body is {"encrypt": base64(iv (16 bytes) + AES-256-CBC(key = sha256(encrypt key), PKCS#7))};
the decrypted event names the app's Verification Token in header.token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


class CallbackRefused(Exception):
    """A callback whose signature, receiver, token or age is wrong: answered 403, nothing done."""


def _pad(data: bytes, block: int) -> bytes:
    n = block - len(data) % block
    return data + bytes([n]) * n


def _unpad(data: bytes, block: int) -> bytes:
    if not data:
        raise CallbackRefused("empty ciphertext")
    n = data[-1]
    if n < 1 or n > block or data[-n:] != bytes([n]) * n:
        raise CallbackRefused("bad padding")
    return data[:-n]


def _aes(key: bytes, iv: bytes, data: bytes, *, encrypt: bool) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    worker = cipher.encryptor() if encrypt else cipher.decryptor()
    return worker.update(data) + worker.finalize()


class MsgCrypt:
    """WeCom's WXBizMsgCrypt and DingTalk's DingCallbackCrypto (they are the same algorithm)."""

    def __init__(self, token: str, aes_key: str, receiver_id: str) -> None:
        if len(aes_key) != 43:
            raise ValueError("EncodingAESKey must be 43 characters")
        self.token = token
        self.key = base64.b64decode(aes_key + "=")
        self.receiver_id = receiver_id

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        joined = "".join(sorted([self.token, timestamp, nonce, encrypt])).encode()
        return hashlib.sha1(joined, usedforsecurity=False).hexdigest()  # the platforms' own scheme

    def encrypt(self, message: str, random: bytes | None = None) -> str:
        body = message.encode()
        plain = (random or os.urandom(16)) + struct.pack(">I", len(body)) + body + self.receiver_id.encode()
        return base64.b64encode(_aes(self.key, self.key[:16], _pad(plain, 32), encrypt=True)).decode()

    def decrypt(self, encrypt: str) -> str:
        try:
            plain = _unpad(_aes(self.key, self.key[:16], base64.b64decode(encrypt), encrypt=False), 32)
        except (ValueError, TypeError) as exc:
            raise CallbackRefused("cannot decrypt") from exc
        if len(plain) < 20:
            raise CallbackRefused("message too short")
        (length,) = struct.unpack(">I", plain[16:20])
        message, receiver = plain[20 : 20 + length], plain[20 + length :]
        if receiver.decode(errors="replace") != self.receiver_id:
            raise CallbackRefused("message for another receiver")
        return message.decode()

    def open(self, *, signature: str, timestamp: str, nonce: str, encrypt: str) -> str:
        """The verified, decrypted message; CallbackRefused when the signature does not match."""
        if not signature or not hmac.compare_digest(signature, self.signature(timestamp, nonce, encrypt)):
            raise CallbackRefused("bad signature")
        return self.decrypt(encrypt)

    def seal(self, message: str, *, timestamp: str, nonce: str) -> dict[str, str]:
        """An encrypted, signed answer (DingTalk wants "success" answered this way)."""
        encrypt = self.encrypt(message)
        return {
            "msg_signature": self.signature(timestamp, nonce, encrypt),
            "timeStamp": timestamp,
            "nonce": nonce,
            "encrypt": encrypt,
        }


def feishu_signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


def feishu_encrypt(encrypt_key: str, message: str, iv: bytes | None = None) -> str:
    key = hashlib.sha256(encrypt_key.encode()).digest()
    iv = iv or os.urandom(16)
    return base64.b64encode(iv + _aes(key, iv, _pad(message.encode(), 16), encrypt=True)).decode()


def feishu_decrypt(encrypt_key: str, encrypt: str) -> str:
    key = hashlib.sha256(encrypt_key.encode()).digest()
    try:
        raw = base64.b64decode(encrypt)
        return _unpad(_aes(key, raw[:16], raw[16:], encrypt=False), 16).decode()
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise CallbackRefused("cannot decrypt") from exc


def feishu_open(*, headers: dict[str, str], body: bytes, encrypt_key: str, verification_token: str) -> dict[str, Any]:
    """A Feishu callback, verified (signature, then the verification token inside) and decrypted."""
    timestamp = headers.get("x-lark-request-timestamp", "")
    nonce = headers.get("x-lark-request-nonce", "")
    signature = headers.get("x-lark-signature", "")
    expected = feishu_signature(timestamp, nonce, encrypt_key, body)
    if not signature or not hmac.compare_digest(signature, expected):
        raise CallbackRefused("bad signature")
    try:
        outer = json.loads(body)
        event = json.loads(feishu_decrypt(encrypt_key, outer["encrypt"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise CallbackRefused("not an encrypted event") from exc
    token = (event.get("header") or {}).get("token") or event.get("token") or ""
    if not hmac.compare_digest(str(token), verification_token):
        raise CallbackRefused("bad verification token")
    return event
