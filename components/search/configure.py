"""Configures the OpenSearch domain's security plugin and index lifecycle.

Fine-grained access control keeps its roles, role mappings and audit
settings inside the domain, where no AWS API reaches them. This function,
the domain's master user, writes them from the event Pulumi invokes it
with (components/search, NewSecurityConfig), so they are code, reviewed and
re-applied on every change:

- the platform's roles: log writers may create and write the audit and
  security indices only; auditors may read them only;
- the role mappings: the writers' and auditors' IAM roles to those roles,
  the admins (and this function) to all_access and security_manager;
- the audit log of the security plugin (REST and transport, no request
  bodies, the bulk requests unresolved);
- the Index State Management policy that deletes the indices after their
  retention, created or updated in place.

Requests are signed with the function's role (SigV4, service es). Any
answer but success raises, so the Pulumi invocation fails and says why.
"""

import json
import os
import urllib.error
import urllib.request

WRITER_ROLE = "platform_log_writer"
READER_ROLE = "platform_auditor"
ISM_POLICY_ID = "platform-retention"


def requests(event):
    """The (method, path, body) the domain must receive, in order."""
    patterns = event["indexPatterns"]
    admins = event["adminRoleArns"] + [event["configuratorRoleArn"]]
    return [
        ("PUT", "/_plugins/_security/api/roles/" + WRITER_ROLE, {
            "cluster_permissions": ["cluster_monitor", "cluster_composite_ops", "indices:admin/template/get", "indices:admin/template/put"],
            "index_permissions": [{
                "index_patterns": patterns,
                "allowed_actions": ["crud", "create_index", "indices:admin/mapping/put", "indices:admin/get"],
            }],
        }),
        ("PUT", "/_plugins/_security/api/roles/" + READER_ROLE, {
            "cluster_permissions": ["cluster_composite_ops_ro"],
            "index_permissions": [{"index_patterns": patterns, "allowed_actions": ["read", "indices:admin/get"]}],
        }),
        ("PUT", "/_plugins/_security/api/rolesmapping/" + WRITER_ROLE, {"backend_roles": event["writerRoleArns"]}),
        ("PUT", "/_plugins/_security/api/rolesmapping/" + READER_ROLE, {"backend_roles": event["readerRoleArns"]}),
        ("PUT", "/_plugins/_security/api/rolesmapping/all_access", {"backend_roles": admins}),
        ("PUT", "/_plugins/_security/api/rolesmapping/security_manager", {"backend_roles": admins}),
        ("PUT", "/_plugins/_security/api/audit/config", {
            "enabled": True,
            "audit": {
                "enable_rest": True,
                "disabled_rest_categories": ["GRANTED_PRIVILEGES", "AUTHENTICATED"],
                "enable_transport": True,
                "disabled_transport_categories": ["GRANTED_PRIVILEGES", "AUTHENTICATED"],
                "resolve_bulk_requests": False,
                "log_request_body": False,
                "resolve_indices": True,
                "exclude_sensitive_headers": True,
                "ignore_users": [],
                "ignore_requests": [],
            },
            "compliance": {
                "enabled": True,
                "internal_config": True,
                "external_config": False,
                "read_metadata_only": True,
                "read_watched_fields": {},
                "read_ignore_users": [],
                "write_metadata_only": True,
                "write_log_diffs": False,
                "write_watched_indices": [],
                "write_ignore_users": [],
            },
        }),
    ]


def sigv4_send(method, url, body):
    """Sends one request signed with the function's credentials."""
    import boto3  # in the Lambda runtime
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    data = json.dumps(body).encode() if body is not None else None
    req = AWSRequest(method=method, url=url, data=data, headers={"Content-Type": "application/json"})
    SigV4Auth(boto3.Session().get_credentials(), "es", os.environ["AWS_REGION"]).add_auth(req)
    r = urllib.request.Request(url, data=data, method=method, headers=dict(req.headers))
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def handler(event, context, send=sigv4_send):
    """Lambda entry point: applies every setting, then the ISM policy."""
    base = "https://" + event["endpoint"]
    done = []
    for method, path, body in requests(event):
        status, text = send(method, base + path, body)
        if status >= 300:
            raise RuntimeError("%s %s answered %d: %s" % (method, path, status, text[:500]))
        done.append(path)
    # The ISM policy: updating one needs its current sequence number.
    path = "/_plugins/_ism/policies/" + ISM_POLICY_ID
    status, text = send("GET", base + path, None)
    if status == 200:
        current = json.loads(text)
        path += "?if_seq_no=%d&if_primary_term=%d" % (current["_seq_no"], current["_primary_term"])
    elif status != 404:
        raise RuntimeError("GET %s answered %d: %s" % (path, status, text[:500]))
    status, text = send("PUT", base + path, event["ismPolicy"])
    if status >= 300:
        raise RuntimeError("PUT %s answered %d: %s" % (path, status, text[:500]))
    done.append(path)
    return {"applied": done}
