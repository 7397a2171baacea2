#!/usr/bin/python3
"""A mock live platform for the connector tests (docs/connectors.md).

Builds an order push in the shape of Douyin (抖店 message push), Kuaishou (快手小店
message push) or Taobao (TOP / TMC trade message), signs it the way that platform
does, POSTs it to a running livechain server on 127.0.0.1, and prints one JSON line:
{"status": <HTTP status>, "body": <response body text>}. Standard library only.

  mock_platform.py --port P --platform douyin --app-key K --secret S \
      --order-id 123 --status created --item 6901234567892:2 [--province 浙江省]
      [--sign-method hmac-sha256] [--bad-signature] [--drop FIELD] [--tag 105]
      [--messages N] [--then paid]   (Douyin: several messages in one push)
"""
import argparse
import hashlib
import hmac
import http.client
import json
import sys
import urllib.parse

DOUYIN_TAGS = {"created": "100", "paid": "101", "cancelled": "106"}
KUAISHOU_STATUS = {"created": 10, "paid": 30, "cancelled": 80}
TAOBAO_TOPICS = {"created": "taobao_trade_TradeCreate", "paid": "taobao_trade_TradeBuyerPay",
                 "cancelled": "taobao_trade_TradeClose"}


def items_of(args):
    out = []
    for text in args.item:
        code, qty = text.rsplit(":", 1)
        out.append((code, int(qty)))
    return out


def drop(obj, field):
    """Removes a dotted path ("p_id", "sku_order_list.0.item_num") from obj."""
    if not field:
        return
    parts = field.split(".")
    for part in parts[:-1]:
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    last = parts[-1]
    if isinstance(obj, list):
        del obj[int(last)]
    else:
        obj.pop(last, None)


def douyin(args):
    # The message data as the order detail would fill it; the address and phone are
    # there because real pushes carry them, and the server must not keep them.
    data = {"p_id": args.order_id, "shop_id": 77001, "order_status": 1,
            "create_time": 1733560000, "biz": 2,
            "post_addr": {"province": {"name": args.province, "id": "33"},
                          "city": {"name": "杭州市"}, "detail": "文三路 1 号"},
            "post_tel": "13800000000", "post_receiver": "张三",
            "sku_order_list": [{"sku_id": 9000 + i, "out_sku_id": code, "item_num": qty,
                                "product_name": "商品"}
                               for i, (code, qty) in enumerate(items_of(args))]}
    drop(data, args.drop)
    tag = args.tag or DOUYIN_TAGS[args.status]
    # Douyin batches messages: --messages repeats this one, --then appends the same
    # order's later statuses (e.g. created then paid in one push).
    messages = [{"tag": tag, "msg_id": "%s-%s-%d" % (args.order_id, tag, i),
                 "data": json.dumps(data, ensure_ascii=False)} for i in range(args.messages)]
    for status in args.then:
        later = {"p_id": args.order_id, "shop_id": 77001, "order_status": 2}
        messages.append({"tag": DOUYIN_TAGS[status],
                         "msg_id": "%s-%s" % (args.order_id, DOUYIN_TAGS[status]),
                         "data": json.dumps(later)})
    body = json.dumps(messages, ensure_ascii=False)
    text = args.app_key + body + args.secret
    if args.sign_method == "hmac-sha256":
        sign = hmac.new(args.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    else:
        sign = hashlib.md5(text.encode()).hexdigest()
    headers = {"app-id": args.app_key, "event-sign": sign}
    if args.sign_method:
        headers["sign-method"] = args.sign_method
    return body, {}, headers


def kuaishou(args):
    info = {"oid": int(args.order_id), "status": KUAISHOU_STATUS[args.status],
            "sellerId": 55001, "createTime": 1733560000000,
            "addressInfo": {"province": args.province, "city": "杭州市",
                            "address": "文三路 1 号", "mobile": "13800000000"},
            "orderItems": [{"itemId": 100 + i, "skuNick": code, "num": qty}
                           for i, (code, qty) in enumerate(items_of(args))]}
    drop(info, args.drop)
    body = json.dumps({"eventId": "ev-%s-%s" % (args.order_id, args.status),
                       "bizId": int(args.order_id), "msgId": "m-%s" % args.order_id,
                       "event": "kwaishop_order_statusChange",
                       "info": json.dumps(info, ensure_ascii=False),
                       "createTime": 1733560000000}, ensure_ascii=False)
    method = args.sign_method or "MD5"
    params = {"appkey": args.app_key, "timestamp": "1733560000000", "signMethod": method}
    signed = dict(params, param=body)
    text = "&".join("%s=%s" % (k, signed[k]) for k in sorted(signed)) + \
        "&signSecret=" + args.secret
    if method == "HMAC_SHA256":
        sign = hmac.new(args.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    else:
        sign = hashlib.md5(text.encode()).hexdigest()
    params["sign"] = sign
    return body, params, {}


def taobao(args):
    content = {"tid": args.order_id, "seller_nick": "店铺", "status": "WAIT_BUYER_PAY",
               "receiver_state": args.province, "receiver_address": "文三路 1 号",
               "receiver_mobile": "13800000000",
               "orders": [{"oid": "%s%d" % (args.order_id, i), "outer_sku_id": code, "num": qty}
                          for i, (code, qty) in enumerate(items_of(args))]}
    drop(content, args.drop)
    body = json.dumps({"topic": TAOBAO_TOPICS[args.status],
                       "content": json.dumps(content, ensure_ascii=False)}, ensure_ascii=False)
    method = args.sign_method or "md5"
    params = {"app_key": args.app_key, "method": "taobao.trade.push",
              "timestamp": "2026-12-07 12:00:00", "v": "2.0", "format": "json",
              "sign_method": method}
    text = "".join(k + params[k] for k in sorted(params)) + body
    if method == "hmac":
        sign = hmac.new(args.secret.encode(), text.encode(), hashlib.md5).hexdigest()
    elif method == "hmac-sha256":
        sign = hmac.new(args.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    else:
        sign = hashlib.md5((args.secret + text + args.secret).encode()).hexdigest()
    params["sign"] = sign.upper()
    return body, params, {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--platform", choices=["douyin", "kuaishou", "taobao"], required=True)
    parser.add_argument("--app-key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--order-id", required=True)
    parser.add_argument("--status", choices=["created", "paid", "cancelled"], default="created")
    parser.add_argument("--item", action="append", default=[])
    parser.add_argument("--province", default="浙江省")
    parser.add_argument("--sign-method", default="")
    parser.add_argument("--bad-signature", action="store_true")
    parser.add_argument("--drop", default="")
    parser.add_argument("--tag", default="")
    parser.add_argument("--messages", type=int, default=1)
    parser.add_argument("--then", action="append", default=[],
                        choices=["created", "paid", "cancelled"])
    args = parser.parse_args()
    body, params, headers = {"douyin": douyin, "kuaishou": kuaishou, "taobao": taobao}[
        args.platform](args)
    if args.bad_signature:
        body += " "  # still the same JSON, no longer the signed bytes
    target = "/v1/connectors/%s/orders" % args.platform
    if params:
        target += "?" + urllib.parse.urlencode(params)
    headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    connection.request("POST", target, body=body.encode(), headers=headers)
    response = connection.getresponse()
    print(json.dumps({"status": response.status, "body": response.read().decode()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
