"""What the three platforms do with personal cards, shared by their local servers: remember each card a
person received and every update of it, and sign and encrypt a button press the way the platform does
when it calls the product back (xietong.core.platforms.crypto is the product's side; the scheme is
written again here from the platforms' documents, not imported, so that a mistake on either side shows)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


@dataclass
class SentCard:
    key: str  # outTrackId / task_id / message_id
    user: str
    content: Any
    ref: str = ""  # response_code (WeCom)
    updates: list[Any] = field(default_factory=list)
    urgent: list[Any] = field(default_factory=list)


@dataclass
class Press:
    """A callback request as the platform sends it."""

    query: dict[str, str]
    body: bytes
    headers: dict[str, str]
    content_type: str


def aes_key() -> str:
    """An EncodingAESKey as the consoles generate it: 43 characters of base64."""
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


def _pad(data: bytes, block: int) -> bytes:
    n = block - len(data) % block
    return data + bytes([n]) * n


def msg_encrypt(key43: str, receiver: str, message: str) -> str:
    """WXBizMsgCrypt / DingCallbackCrypto: AES-256-CBC, iv = key[:16], 16 random bytes + length + message +
    receiver id, PKCS#7 to 32-byte blocks."""
    key = base64.b64decode(key43 + "=")
    body = message.encode()
    plain = _pad(os.urandom(16) + struct.pack(">I", len(body)) + body + receiver.encode(), 32)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def msg_signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


def feishu_encrypt(encrypt_key: str, message: str) -> str:
    key = hashlib.sha256(encrypt_key.encode()).digest()
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(_pad(message.encode(), 16)) + encryptor.finalize()).decode()


def nonce() -> str:
    return secrets.token_hex(8)
