"""Signatures and encryption against WeChat's and WeCom's own published vectors, and wechatpy as a peer.

Vectors (copied verbatim; each is self-checking: its SHA-1 signature matches and it
decrypts to the XML shown for the receive id shown):

- WeChat Official Account: the Python sample ``Sample.py`` of the official message
  encryption demo linked from "消息加解密接入指引"
  (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html,
  download https://wximg.gtimg.com/shake_tv/mpwiki/cryptoDemo.zip).
- WeCom: the official ``callback/Sample.py`` of WeCom's "加解密库下载与返回码"
  (https://developer.work.weixin.qq.com/document/path/90307, repository
  https://github.com/sbzhu/weworkapi_python), URL verification and a received message.
- WeCom (企业号) "回调模式" example of the older documentation ("加解密方案说明",
  https://developer.work.weixin.qq.com/document/path/90968 and its predecessor
  http://qydev.weixin.qq.com/wiki/index.php?title=加解密方案的详细说明), Token "QDG6eK".
"""

from __future__ import annotations

import base64

import pytest
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.utils import check_signature as wechatpy_check_signature

from bot.channels.weixin_crypto import (
    DecryptionFailed,
    MessageCipher,
    SignatureMismatch,
    aes_key,
    check_signature,
    signature,
)
from bot.channels.weixin_xml import parse_fields

# --- WeChat Official Account, cryptoDemo Sample.py ------------------------------------------
WX_TOKEN = "spamtest"
WX_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
WX_APP_ID = "wx2c2769f8efd9abc2"
WX_TIMESTAMP, WX_NONCE = "1409735669", "1320562132"
WX_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
WX_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFm"
    "OD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8d"
    "KOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5"
    "RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsN"
    "PfUM669WuMyVWQLCzpu9GhglF2PE="
)

# --- WeCom, callback/Sample.py ---------------------------------------------------------------
WC_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
WC_AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
WC_CORP_ID = "ww1436e0e65a779aee"
WC_VERIFY = {
    "msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
    "timestamp": "1476416373",
    "nonce": "47744683",
    "echostr": "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
}
WC_MESSAGE = {
    "msg_signature": "0c3914025cb4b4d68103f6bfc8db550f79dcf48e",
    "timestamp": "1476422779",
    "nonce": "1597212914",
}
WC_BODY = (
    "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n"
    "<Encrypt><![CDATA[Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgG"
    "zBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9G"
    "Sh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGj"
    "UQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+]]></Encrypt>\n"
    "<AgentID><![CDATA[1000002]]></AgentID>\n</xml>"
)

# --- WeCom (企业号) documentation example, Token "QDG6eK" -------------------------------------
QY_TOKEN, QY_AES_KEY, QY_CORP_ID = (
    "QDG6eK",
    "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "wx5823bf96d3bd56c7",
)
QY_VERIFY = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
}
QY_MESSAGE = {
    "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
    "timestamp": "1409659813",
    "nonce": "1372623149",
}
QY_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYv"
    "uJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+Lt"
    "wGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V"
    "2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptD"
    "AVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
_raw = bytearray(base64.b64decode(WX_ENCRYPT))
_raw[-1] ^= 1
TAMPERED = base64.b64encode(bytes(_raw)).decode()


def test_wechat_sample_message_signature_and_decryption():
    check_signature(WX_MSG_SIGNATURE, WX_TOKEN, WX_TIMESTAMP, WX_NONCE, WX_ENCRYPT)
    fields = parse_fields(MessageCipher(WX_AES_KEY, WX_APP_ID).decrypt(WX_ENCRYPT))
    assert fields == {
        "ToUserName": "gh_10f6c3c3ac5a",
        "FromUserName": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        "CreateTime": "1409735668",
        "MsgType": "text",
        "Content": "abcdteT",
        "MsgId": "6054768590064713728",
    }


def test_wecom_sample_url_verification_decrypts_the_echo():
    v = WC_VERIFY
    check_signature(v["msg_signature"], WC_TOKEN, v["timestamp"], v["nonce"], v["echostr"])
    assert MessageCipher(WC_AES_KEY, WC_CORP_ID).decrypt(v["echostr"]) == "1288432023552776189"


def test_wecom_sample_message():
    m = WC_MESSAGE
    encrypted = parse_fields(WC_BODY)["Encrypt"]
    check_signature(m["msg_signature"], WC_TOKEN, m["timestamp"], m["nonce"], encrypted)
    fields = parse_fields(MessageCipher(WC_AES_KEY, WC_CORP_ID).decrypt(encrypted))
    assert fields["FromUserName"] == "ChenJiaShun" and fields["Content"] == "你好"
    assert fields["MsgType"] == "text" and fields["AgentID"] == "1000002" and fields["MsgId"] == "1456453720"


def test_wecom_documentation_example():
    v, m = QY_VERIFY, QY_MESSAGE
    cipher = MessageCipher(QY_AES_KEY, QY_CORP_ID)
    check_signature(v["msg_signature"], QY_TOKEN, v["timestamp"], v["nonce"], v["echostr"])
    assert cipher.decrypt(v["echostr"]) == "1616140317555161061"
    check_signature(m["msg_signature"], QY_TOKEN, m["timestamp"], m["nonce"], QY_ENCRYPT)
    fields = parse_fields(cipher.decrypt(QY_ENCRYPT))
    assert (fields["FromUserName"], fields["Content"], fields["AgentID"]) == ("mycreate", "hello", "218")


@pytest.mark.parametrize(
    "parts",
    [
        ("bad" + WX_MSG_SIGNATURE[3:], WX_TOKEN, WX_TIMESTAMP, WX_NONCE, WX_ENCRYPT),
        (WX_MSG_SIGNATURE, "other-token", WX_TIMESTAMP, WX_NONCE, WX_ENCRYPT),
        (WX_MSG_SIGNATURE, WX_TOKEN, "1409735670", WX_NONCE, WX_ENCRYPT),
        (WX_MSG_SIGNATURE, WX_TOKEN, WX_TIMESTAMP, WX_NONCE, WX_ENCRYPT[:-8] + "AAAAAAA="),
        ("", WX_TOKEN, WX_TIMESTAMP, WX_NONCE),
        (None, WX_TOKEN, WX_TIMESTAMP, WX_NONCE),
    ],
)
def test_a_signature_that_does_not_match_is_refused(parts):
    with pytest.raises(SignatureMismatch):
        check_signature(*parts)


def test_plain_signature_agrees_with_wechatpy():
    token, timestamp, nonce = "onceonly", "1700000000", "a1b2c3"
    ours = signature(token, timestamp, nonce)
    assert wechatpy_check_signature(token, ours, timestamp, nonce) is None
    check_signature(ours.upper(), token, timestamp, nonce)  # hex case does not matter


def test_a_message_for_another_account_is_refused():
    with pytest.raises(DecryptionFailed, match="receive id"):
        MessageCipher(WX_AES_KEY, "wx0000000000000000").decrypt(WX_ENCRYPT)
    with pytest.raises(DecryptionFailed, match="receive id"):
        MessageCipher(WC_AES_KEY, "ww0000000000000000").decrypt(WC_VERIFY["echostr"])


@pytest.mark.parametrize(
    "ciphertext",
    [
        "",
        "not base64 at all!",
        base64.b64encode(b"x" * 15).decode(),  # not a whole AES block
        base64.b64encode(b"\0" * 32).decode(),  # garbage: padding does not verify
        TAMPERED,  # one bit of the last block flipped: padding or receive id no longer verify
    ],
)
def test_malformed_ciphertext_is_refused(ciphertext):
    with pytest.raises(DecryptionFailed):
        MessageCipher(WX_AES_KEY, WX_APP_ID).decrypt(ciphertext)


@pytest.mark.parametrize("key", ["", "short", WX_AES_KEY + "A", WX_AES_KEY[:-1] + "!"])
def test_an_invalid_encoding_aes_key_is_refused_at_configuration(key):
    with pytest.raises(ValueError):
        aes_key(key)


@pytest.mark.parametrize(
    "message", ["hello", "<xml><Content><![CDATA[你好，办理出生一件事]]></Content></xml>", "长" * 3000]
)
def test_wechatpy_decrypts_what_we_encrypt_and_we_decrypt_what_it_encrypts(message):
    ours = MessageCipher(WX_AES_KEY, WX_APP_ID)
    peer = WeChatCrypto(WX_TOKEN, WX_AES_KEY, WX_APP_ID)
    encrypted = ours.encrypt(message)
    sig = signature(WX_TOKEN, WX_TIMESTAMP, WX_NONCE, encrypted)
    xml = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    assert peer.decrypt_message(xml, sig, WX_TIMESTAMP, WX_NONCE) == message
    sealed = parse_fields(peer.encrypt_message(message, WX_NONCE, WX_TIMESTAMP))
    check_signature(sealed["MsgSignature"], WX_TOKEN, WX_TIMESTAMP, WX_NONCE, sealed["Encrypt"])
    assert ours.decrypt(sealed["Encrypt"]) == message


def test_wecom_peer_round_trip_and_echo():
    ours = MessageCipher(WC_AES_KEY, WC_CORP_ID)
    peer = WeComCrypto(WC_TOKEN, WC_AES_KEY, WC_CORP_ID)
    echo = ours.encrypt("4242424242")
    assert peer.check_signature(signature(WC_TOKEN, "1", "2", echo), "1", "2", echo) == "4242424242"
    sealed = parse_fields(peer.encrypt_message("<xml><Content>企业微信</Content></xml>", "n", "3"))
    assert parse_fields(ours.decrypt(sealed["Encrypt"]))["Content"] == "企业微信"


def test_padding_is_to_32_byte_blocks_as_the_samples_pad():
    for size in range(0, 70):
        raw = base64.b64decode(MessageCipher(WX_AES_KEY, WX_APP_ID).encrypt("x" * size))
        assert len(raw) % 32 == 0
