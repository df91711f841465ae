"""Unit tests of the SNS to PagerDuty forwarder (python3 -m unittest)."""

import json
import os
import unittest

import forwarder

TOPIC = "arn:aws:sns:us-east-1:123456789012:platform-prod-use1-alerts"


def record(message, subject=None):
    return {"Sns": {"TopicArn": TOPIC, "MessageId": "m-1", "Subject": subject, "Message": message}}


def alarm(state):
    return json.dumps({
        "AlarmName": "database-cpu", "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:database-cpu",
        "NewStateValue": state, "NewStateReason": "Threshold Crossed: 1 datapoint (93.0) > 80.0",
        "AlarmDescription": "Database CPU above 80%", "Region": "US East (N. Virginia)",
        "Trigger": {"Namespace": "AWS/RDS"},
    })


class ForwarderTest(unittest.TestCase):
    def setUp(self):
        forwarder._key = None
        forwarder._keys = None
        os.environ.pop("TICKET_TOPICS", None)

    def test_alarm_triggers_and_ok_resolves_the_same_incident(self):
        fire = forwarder.event(record(alarm("ALARM")), "k")
        self.assertEqual(fire["event_action"], "trigger")
        self.assertEqual(fire["routing_key"], "k")
        self.assertEqual(fire["payload"]["severity"], "critical")
        self.assertEqual(fire["payload"]["component"], "AWS/RDS")
        self.assertIn("database-cpu: Threshold Crossed", fire["payload"]["summary"])
        resolve = forwarder.event(record(alarm("OK")), "k")
        self.assertEqual(resolve["event_action"], "resolve")
        self.assertEqual(resolve["dedup_key"], fire["dedup_key"])
        self.assertNotIn("payload", resolve)

    def test_insufficient_data_sends_nothing(self):
        self.assertIsNone(forwarder.event(record(alarm("INSUFFICIENT_DATA")), "k"))

    def test_guardduty_finding_pages(self):
        finding = json.dumps({"id": "e-1", "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
                              "region": "us-east-1", "detail": {"title": "Crypto mining on an EC2 instance", "severity": 8}})
        e = forwarder.event(record(finding), "k")
        self.assertEqual(e["event_action"], "trigger")
        self.assertEqual(e["dedup_key"], "e-1")
        self.assertEqual(e["payload"]["summary"], "GuardDuty Finding: Crypto mining on an EC2 instance")
        self.assertEqual(e["payload"]["source"], "us-east-1")

    def test_plain_message_pages_with_its_subject(self):
        e = forwarder.event(record("the break-glass role was assumed", subject="break-glass-used"), "k")
        self.assertEqual(e["payload"]["summary"], "break-glass-used")
        self.assertEqual(e["payload"]["source"], "us-east-1")

    def test_handler_reads_the_key_once_from_the_secret_and_sends_each_record(self):
        calls = []
        forwarder.routing_key(fetch=lambda: json.dumps({"page": "from-secrets-manager", "ticket": "t"}))
        out = forwarder.handler({"Records": [record(alarm("ALARM")), record(alarm("INSUFFICIENT_DATA")), record(alarm("OK"))]},
                                None, send=calls.append)
        self.assertEqual(out, {"sent": 2})
        self.assertEqual([c["routing_key"] for c in calls], ["from-secrets-manager"] * 2)
        self.assertEqual(forwarder.routing_key(fetch=lambda: self.fail("fetched twice")), "from-secrets-manager")

    def test_ticket_topics_use_the_ticket_key_at_warning(self):
        calls = []
        ticket_topic = TOPIC.replace("alerts", "tickets")
        os.environ["TICKET_TOPICS"] = "arn:aws:sns:us-east-1:123456789012:other," + ticket_topic
        forwarder.routing_key(fetch=lambda: json.dumps({"page": "p", "ticket": "t"}))
        ticket = record(alarm("ALARM"))
        ticket["Sns"]["TopicArn"] = ticket_topic
        forwarder.handler({"Records": [ticket, record(alarm("ALARM"))]}, None, send=calls.append)
        self.assertEqual([(c["routing_key"], c["payload"]["severity"]) for c in calls], [("t", "warning"), ("p", "critical")])

    def test_a_failed_send_raises_so_lambda_retries(self):
        forwarder.routing_key(fetch=lambda: json.dumps({"page": "k"}))

        def fail(_):
            raise RuntimeError("PagerDuty answered 500")

        with self.assertRaises(RuntimeError):
            forwarder.handler({"Records": [record(alarm("ALARM"))]}, None, send=fail)


if __name__ == "__main__":
    unittest.main()
