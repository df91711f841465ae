"""Unit tests of the OpenSearch configurator (python3 -m unittest)."""

import json
import unittest

import configure

EVENT = {
    "endpoint": "vpc-audit-abc.us-east-1.es.amazonaws.com",
    "indexPatterns": ["eks-audit-*", "security-*"],
    "adminRoleArns": ["arn:aws:iam::111122223333:role/admin"],
    "configuratorRoleArn": "arn:aws:iam::111122223333:role/configurator",
    "writerRoleArns": ["arn:aws:iam::111122223333:role/fluent-bit", "arn:aws:iam::111122223333:role/firehose"],
    "readerRoleArns": ["arn:aws:iam::111122223333:role/auditor"],
    "ismPolicy": {"policy": {"description": "delete after 365 days"}},
}


class Domain:
    """A fake domain: answers each request, records them."""

    def __init__(self, ism_status=404, fail_on=None):
        self.calls = []
        self.ism_status = ism_status
        self.fail_on = fail_on

    def send(self, method, url, body):
        self.calls.append((method, url, body))
        if self.fail_on and self.fail_on in url:
            return 403, '{"error":"no permissions"}'
        if method == "GET":
            return self.ism_status, json.dumps({"_seq_no": 7, "_primary_term": 2})
        return 200, "{}"


class ConfiguratorTest(unittest.TestCase):
    def test_roles_give_writers_and_auditors_only_their_indices(self):
        reqs = {path: body for _, path, body in configure.requests(EVENT)}
        writer = reqs["/_plugins/_security/api/roles/platform_log_writer"]
        self.assertEqual(writer["index_permissions"][0]["index_patterns"], ["eks-audit-*", "security-*"])
        self.assertNotIn("delete", writer["index_permissions"][0]["allowed_actions"])
        self.assertNotIn("indices_all", writer["index_permissions"][0]["allowed_actions"])
        reader = reqs["/_plugins/_security/api/roles/platform_auditor"]
        self.assertEqual(reader["index_permissions"][0]["allowed_actions"], ["read", "indices:admin/get"])
        self.assertEqual(reqs["/_plugins/_security/api/rolesmapping/platform_log_writer"]["backend_roles"], EVENT["writerRoleArns"])
        self.assertEqual(reqs["/_plugins/_security/api/rolesmapping/platform_auditor"]["backend_roles"], EVENT["readerRoleArns"])

    def test_admins_and_the_configurator_keep_full_access(self):
        reqs = {path: body for _, path, body in configure.requests(EVENT)}
        want = EVENT["adminRoleArns"] + [EVENT["configuratorRoleArn"]]
        self.assertEqual(reqs["/_plugins/_security/api/rolesmapping/all_access"]["backend_roles"], want)
        self.assertEqual(reqs["/_plugins/_security/api/rolesmapping/security_manager"]["backend_roles"], want,
                         "the configurator never locks itself out")

    def test_audit_logging_on_without_bodies(self):
        reqs = {path: body for _, path, body in configure.requests(EVENT)}
        audit = reqs["/_plugins/_security/api/audit/config"]
        self.assertTrue(audit["enabled"])
        self.assertTrue(audit["audit"]["enable_rest"])
        self.assertFalse(audit["audit"]["log_request_body"], "log lines can carry personal data")
        self.assertTrue(audit["compliance"]["enabled"])

    def test_creates_the_ism_policy(self):
        d = Domain()
        out = configure.handler(EVENT, None, send=d.send)
        method, url, body = d.calls[-1]
        self.assertEqual((method, url), ("PUT", "https://" + EVENT["endpoint"] + "/_plugins/_ism/policies/platform-retention"))
        self.assertEqual(body, EVENT["ismPolicy"])
        self.assertEqual(len(out["applied"]), len(configure.requests(EVENT)) + 1)
        self.assertTrue(all(u.startswith("https://vpc-audit-abc.") for _, u, _ in d.calls), "HTTPS to the domain only")

    def test_updates_the_ism_policy_in_place(self):
        d = Domain(ism_status=200)
        configure.handler(EVENT, None, send=d.send)
        self.assertTrue(d.calls[-1][1].endswith("/_plugins/_ism/policies/platform-retention?if_seq_no=7&if_primary_term=2"))

    def test_a_refusal_fails_the_deploy(self):
        d = Domain(fail_on="rolesmapping/all_access")
        with self.assertRaisesRegex(RuntimeError, "all_access answered 403"):
            configure.handler(EVENT, None, send=d.send)
        self.assertNotIn("_ism", d.calls[-1][1], "it stops at the first refusal")


if __name__ == "__main__":
    unittest.main()
