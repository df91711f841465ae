"""Forwards what the platform's SNS alert topics carry to PagerDuty.

CloudWatch alarms (the data tier, the audit layer's CIS alarms) and
EventBridge events (GuardDuty and Security Hub findings) reach the alert
topics; this function turns each into a PagerDuty Events API v2 event on
the same service Alertmanager pages, so one on-call sees everything. An
alarm that returns to OK resolves its incident (same dedup key).

The routing keys are read at run time from Secrets Manager (the secret
named by ROUTING_KEY_SECRET, properties "page" and "ticket"): they are
never in the function's code, configuration or the Pulumi state. Records
from the topics listed in TICKET_TOPICS (comma-separated ARNs) go to the
ticket key at severity warning, like Alertmanager's ticket receiver; every
other topic pages.
"""

import json
import os
import urllib.request

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"

_key = None
_keys = None


def routing_key(fetch=None, kind="page"):
    """The routing key of kind (page or ticket), fetched once per
    container."""
    global _key, _keys
    if _keys is None:
        if fetch is None:
            import boto3  # in the Lambda runtime

            def fetch():
                client = boto3.client("secretsmanager")
                return client.get_secret_value(SecretId=os.environ["ROUTING_KEY_SECRET"])["SecretString"]

        _keys = json.loads(fetch())
        _key = _keys["page"]
    if kind == "ticket":
        return _keys["ticket"]
    return _key


def event(record, key, severity="critical"):
    """The PagerDuty event for one SNS record, or None to send nothing."""
    sns = record["Sns"]
    topic = sns.get("TopicArn", "")
    region = topic.split(":")[3] if topic.count(":") >= 5 else ""
    try:
        message = json.loads(sns.get("Message", ""))
    except ValueError:
        message = None
    if isinstance(message, dict) and "AlarmName" in message:
        action = {"ALARM": "trigger", "OK": "resolve"}.get(message.get("NewStateValue"))
        if action is None:  # INSUFFICIENT_DATA says nothing about users
            return None
        e = {"routing_key": key, "event_action": action, "dedup_key": message.get("AlarmArn") or message["AlarmName"]}
        if action == "trigger":
            e["payload"] = {
                "summary": ("%s: %s" % (message["AlarmName"], message.get("NewStateReason", "")))[:1024],
                "source": message.get("Region") or region,
                "severity": severity,
                "component": message.get("Trigger", {}).get("Namespace", ""),
                "custom_details": {"topic": topic, "description": message.get("AlarmDescription")},
            }
        return e
    if isinstance(message, dict) and "detail-type" in message:
        detail = message.get("detail") or {}
        title = detail.get("title") or detail.get("type") or ""
        return {
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": message.get("id") or sns.get("MessageId"),
            "payload": {
                "summary": ("%s: %s" % (message["detail-type"], title))[:1024],
                "source": message.get("region") or region,
                "severity": severity,
                "component": message.get("source", ""),
                "custom_details": {"topic": topic, "detail": detail},
            },
        }
    return {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": sns.get("MessageId"),
        "payload": {
            "summary": (sns.get("Subject") or sns.get("Message", ""))[:1024] or "message on " + topic,
            "source": region,
            "severity": severity,
            "custom_details": {"topic": topic, "message": sns.get("Message", "")[:4000]},
        },
    }


def post(e):
    """Sends one event; PagerDuty accepts with 202."""
    req = urllib.request.Request(EVENTS_URL, data=json.dumps(e).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        if resp.status != 202:
            raise RuntimeError("PagerDuty answered %d" % resp.status)


def handler(evt, context, send=post):
    """Lambda entry point: every record of the SNS invocation. A failure
    raises, so Lambda retries and then keeps the event in the dead-letter
    queue."""
    tickets = set(filter(None, os.environ.get("TICKET_TOPICS", "").split(",")))
    sent = 0
    for record in evt.get("Records", []):
        if record.get("Sns", {}).get("TopicArn") in tickets:
            e = event(record, routing_key(kind="ticket"), "warning")
        else:
            e = event(record, routing_key(), os.environ.get("SEVERITY", "critical"))
        if e is not None:
            send(e)
            sent += 1
    return {"sent": sent}
