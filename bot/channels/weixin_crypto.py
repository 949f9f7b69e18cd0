"""Message signatures and encryption (消息加解密) of WeChat Official Accounts and WeCom.

Both platforms use one scheme (``WXBizMsgCrypt`` in their sample code), so both
channels use this module:

- a signature is the SHA-1 hex digest of its parts (token, timestamp, nonce and, for
  encrypted messages, the ``Encrypt`` text) sorted and concatenated;
- encryption is AES-256-CBC with key = base64-decode(EncodingAESKey + "=") and
  IV = the key's first 16 bytes, over 16 random bytes + the message length as 4 bytes
  big-endian + the message + the receive id (the AppID of an Official Account, the
  CorpID of a WeCom app), padded with PKCS#7 to 32-byte blocks as their samples pad;
- the receive id must be ours, so a message encrypted for another account is refused.

AES and the padding come from ``cryptography``; nothing here does I/O, so it runs on
the event loop (a message is a few kilobytes at most).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_BITS = 32 * 8  # WeChat pads to 32-byte blocks (its sample's PKCS7Encoder.block_size)


class SignatureMismatch(Exception):
    """The request was not signed with our token: answered 403."""


class DecryptionFailed(ValueError):
    """The ciphertext is not valid base64/AES/PKCS#7 or not a message for us."""


def signature(*parts: str) -> str:
    """SHA-1 of the parts sorted and joined, as WeChat and WeCom sign requests and replies."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_signature(expected: str | None, *parts: str) -> None:
    """Raise :class:`SignatureMismatch` unless ``expected`` is the signature of ``parts``."""
    if not expected or not hmac.compare_digest(expected.lower().encode(), signature(*parts).encode()):
        raise SignatureMismatch("signature does not match")


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key an administrator's 43-character EncodingAESKey stands for."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("EncodingAESKey must be 43 characters of base64") from exc
    if len(encoding_aes_key) != 43 or len(key) != 32:
        raise ValueError("EncodingAESKey must be 43 characters of base64")
    return key


class MessageCipher:
    """Encrypts replies and decrypts messages for one account (one key, one receive id)."""

    def __init__(self, encoding_aes_key: str, receive_id: str) -> None:
        self._key = aes_key(encoding_aes_key)
        self.receive_id = receive_id

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, message: str, random_prefix: bytes | None = None) -> str:
        body = message.encode("utf-8")
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        plain = prefix + struct.pack(">I", len(body)) + body + self.receive_id.encode("utf-8")
        padder = padding.PKCS7(BLOCK_BITS).padder()
        padded = padder.update(plain) + padder.finalize()
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """The message inside ``encrypted``; :class:`DecryptionFailed` if anything is off."""
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptionFailed("not base64") from exc
        if not raw or len(raw) % 16:
            raise DecryptionFailed("not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        try:
            unpadder = padding.PKCS7(BLOCK_BITS).unpadder()
            plain = unpadder.update(padded) + unpadder.finalize()
        except ValueError as exc:
            raise DecryptionFailed("bad padding") from exc
        if len(plain) < 20:
            raise DecryptionFailed("too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise DecryptionFailed("length field beyond the message")
        receive_id = plain[20 + length :]
        if not hmac.compare_digest(receive_id, self.receive_id.encode("utf-8")):
            raise DecryptionFailed("encrypted for another account (receive id mismatch)")
        try:
            return plain[20 : 20 + length].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecryptionFailed("message is not UTF-8") from exc
