package policies

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// in is a resource's inputs in a fixture.
type in = map[string]any

// R builds a fixture resource: its id is name-id, so other fixtures point
// at it by that value, the way the offline plan's resources do.
func R(typ, name string, inputs in) Resource {
	return Resource{
		URN:    "urn:pulumi:test::platform::" + typ + "::" + name,
		Type:   typ,
		Name:   name,
		ID:     name + "-id",
		Inputs: inputs,
	}
}

func list(v ...any) []any { return v }

// withParams runs a fixture under params other than the catalog's.
func withParams(f fixture, set func(*Params)) fixture {
	f.params = set
	return f
}

// admins names the principals that may hold cluster-admin.
func admins(patterns ...string) func(*Params) {
	return func(p *Params) { p.ClusterAdminPrincipals = patterns }
}

// asOf judges a fixture's dates on a given day.
func asOf(day string) func(*Params) { return func(p *Params) { p.AsOf = day } }

func urnOf(typ, name string) string { return R(typ, name, nil).URN }

// previewed is a resource as a real preview of a new stack shows it: no
// id yet (its computed attributes are absent or unknown).
func previewed(r Resource) Resource {
	r.ID = ""
	return r
}

// dependsOn records the engine's property dependencies on a resource.
func dependsOn(r Resource, deps map[string][]string) Resource {
	r.PropertyDependencies = deps
	return r
}

// fixture is one case of one policy, in the style of Checkov's per-check
// fixtures: a set of resources that passes, or one that fails.
type fixture struct {
	policy string
	name   string
	pass   bool
	stack  []Resource
	params func(*Params)
}

func pass(policy, name string, rs ...Resource) fixture {
	return fixture{policy: policy, name: name, pass: true, stack: rs}
}

func fail(policy, name string, rs ...Resource) fixture {
	return fixture{policy: policy, name: name, stack: rs}
}

// run evaluates one policy over a fixture's resources.
func run(p *Policy, stack []Resource, params Params) *Check {
	c := &Check{Policy: p, Params: params, StackURN: "urn:pulumi:test::platform::pulumi:pulumi:Stack::platform-test"}
	s := NewStack(stack)
	if p.Resource != nil {
		for _, r := range s.OfType(p.Types...) {
			p.Resource(c, r)
		}
	} else {
		p.Stack(c, s)
	}
	return c
}

func TestFixtures(t *testing.T) {
	for _, f := range fixtures() {
		t.Run(f.policy+"/"+f.name, func(t *testing.T) {
			p, ok := Lookup(f.policy)
			require.True(t, ok, "fixture names unknown policy %s", f.policy)
			params := DefaultParams()
			if f.params != nil {
				f.params(&params)
			}
			c := run(p, f.stack, params)
			assert.Empty(t, c.undecided, "a fixture decides")
			var violations []Finding
			for _, finding := range c.findings {
				if !finding.warning {
					violations = append(violations, finding)
				}
			}
			if f.pass {
				assert.Empty(t, violations, "passing fixture")
			} else {
				assert.NotEmpty(t, c.findings, "failing fixture")
				for _, finding := range c.findings {
					assert.Equal(t, p.Name, finding.Policy)
					assert.NotEmpty(t, finding.Message)
				}
			}
		})
	}
}

// TestEveryPolicyHasFixtures is the meta-test: a policy without a passing
// and a failing fixture cannot land.
func TestEveryPolicyHasFixtures(t *testing.T) {
	passes, fails := map[string]int{}, map[string]int{}
	for _, f := range fixtures() {
		if f.pass {
			passes[f.policy]++
		} else {
			fails[f.policy]++
		}
	}
	for _, p := range All() {
		assert.NotZero(t, passes[p.Name], "%s has no passing fixture", p.Name)
		assert.NotZero(t, fails[p.Name], "%s has no failing fixture", p.Name)
	}
}

func TestRegistry(t *testing.T) {
	require.NoError(t, validateRegistry())
	controls := map[int]bool{}
	for _, p := range All() {
		controls[p.Control] = true
	}
	// Control 84 (GitHub Actions) is not infrastructure: tests/workflows_test.go
	// and actionlint enforce it (make test-workflows).
	for i := 1; i <= 83; i++ {
		assert.True(t, controls[i], "control %d of CONTROLS.md has no policy", i)
	}
}

var secureSG = R(tSecurityGroup, "web", in{"description": "web tier", "ingress": list(in{"description": "https", "protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": list("0.0.0.0/0")})})

func bucket(name string, extra in) Resource {
	inputs := in{"bucket": name}
	for k, v := range extra {
		inputs[k] = v
	}
	return R(tBucketV2, name, inputs)
}

func onBucket(typ, b string, inputs in) Resource {
	inputs["bucket"] = b + "-id"
	return R(typ, b, inputs)
}

func rds(extra in) Resource {
	inputs := in{
		"engine": "postgres", "storageEncrypted": true, "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k", "multiAz": true,
		"backupRetentionPeriod": 14.0, "deletionProtection": true, "skipFinalSnapshot": false,
		"iamDatabaseAuthenticationEnabled": true, "enabledCloudwatchLogsExports": list("postgresql", "upgrade"),
		"monitoringInterval": 30.0, "performanceInsightsEnabled": true, "performanceInsightsKmsKeyId": "arn:aws:kms:us-east-1:1:key/k",
		"copyTagsToSnapshot": true, "manageMasterUserPassword": true, "parameterGroupName": "pg-id", "tags": in{"backup": "true"},
	}
	for k, v := range extra {
		if v == nil {
			delete(inputs, k)
		} else {
			inputs[k] = v
		}
	}
	return R(tRDSInstance, "db", inputs)
}

func redis(extra in) Resource {
	inputs := in{
		"atRestEncryptionEnabled": true, "kmsKeyId": "k", "transitEncryptionEnabled": true, "userGroupIds": list("ug"),
		"multiAzEnabled": true, "automaticFailoverEnabled": true, "snapshotRetentionLimit": 7.0, "subnetGroupName": "data",
	}
	for k, v := range extra {
		if v == nil {
			delete(inputs, k)
		} else {
			inputs[k] = v
		}
	}
	return R(tCacheReplicationGrp, "cache", inputs)
}

var goodContainer = in{
	"name": "app", "image": "registry/app:1.2.3",
	"securityContext": in{
		"runAsNonRoot": true, "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
		"capabilities": in{"drop": list("ALL")}, "seccompProfile": in{"type": "RuntimeDefault"},
	},
	"resources": in{"requests": in{"cpu": "100m", "memory": "128Mi"}, "limits": in{"cpu": "500m", "memory": "256Mi"}},
	"env":       list(in{"name": "DB_PASSWORD", "valueFrom": in{"secretKeyRef": in{"name": "db", "key": "password"}}}),
}

func deployment(name string, podSpec in) Resource {
	return R(tDeployment, name, in{
		"metadata": in{"name": name, "namespace": "payments"},
		"spec":     in{"template": in{"metadata": in{"labels": in{"app": name}}, "spec": podSpec}},
	})
}

func goodPod() in {
	return in{"automountServiceAccountToken": false, "containers": list(goodContainer)}
}

func with(m in, k string, v any) in {
	out := in{}
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

func namespace(name string, labels in) Resource {
	return R(tNamespace, name, in{"metadata": in{"name": name, "labels": labels}})
}

func nsObject(typ, name, ns string, spec in) Resource {
	return R(typ, name, in{"metadata": in{"name": name, "namespace": ns}, "spec": spec})
}

// moreFixtures are the fixture sets other test files add (one per
// policy file, registered from their init).
var moreFixtures []func() []fixture

// fixtures returns every fixture of the pack.
func fixtures() []fixture {
	var extra []fixture
	for _, more := range moreFixtures {
		extra = append(extra, more()...)
	}
	vpc := R(tVpc, "vpc", in{"cidrBlock": "10.0.0.0/16"})
	flowGroup := R(tLogGroup, "flow", in{"name": "/vpc/flow-logs", "kmsKeyId": "k", "retentionInDays": 365.0})
	flow := R(tFlowLog, "flow", in{"vpcId": "vpc-id", "trafficType": "ALL", "logDestinationType": "cloud-watch-logs", "logDestination": "arn:aws:logs:us-east-1:1:log-group:/vpc/flow-logs"})
	acl := func(rules ...any) Resource { return R(tNetworkACL, "acl", in{"ingress": list(rules...)}) }
	aclRule := func(n float64, action, cidr string, from, to float64) in {
		return in{"ruleNo": n, "action": action, "protocol": "6", "cidrBlock": cidr, "fromPort": from, "toPort": to}
	}
	subnet := func(name, az string) Resource {
		return R(tSubnet, name, in{"vpcId": "vpc-id", "availabilityZone": az, "tags": in{"tier": "private"}})
	}
	dataSG := R(tSecurityGroup, "db-sg", in{"description": "db", "egress": list(in{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": list("0.0.0.0/0")})})
	dbWithSG := rds(in{"vpcSecurityGroupIds": list("db-sg-id")})
	goodPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"kms:*","Resource":"*"}]}`
	tlsPolicy := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	pg := R(tRDSParameterGroup, "pg", in{"family": "postgres16", "parameters": list(in{"name": "rds.force_ssl", "value": "1"})})
	eks := func(extra in) Resource {
		inputs := in{
			"version":                "1.35",
			"upgradePolicy":          in{"supportType": "STANDARD"},
			"encryptionConfig":       in{"resources": list("secrets"), "provider": in{"keyArn": "k"}},
			"vpcConfig":              in{"endpointPublicAccess": false, "endpointPrivateAccess": true},
			"enabledClusterLogTypes": list("api", "audit", "authenticator", "controllerManager", "scheduler"),
		}
		for k, v := range extra {
			inputs[k] = v
		}
		return R(tEKSCluster, "eks", inputs)
	}
	lb := R(tLoadBalancer, "api", in{"internal": false, "loadBalancerType": "application", "dropInvalidHeaderFields": true,
		"desyncMitigationMode": "defensive", "accessLogs": in{"enabled": true, "bucket": "logs"}, "enableDeletionProtection": true})
	managed := func(name string) in {
		return in{"name": name, "statement": in{"managedRuleGroupStatement": in{"name": name, "vendorName": "AWS"}}, "visibilityConfig": in{"cloudwatchMetricsEnabled": true}}
	}
	rate := in{"name": "rate", "statement": in{"rateBasedStatement": in{"limit": 2000.0}}, "visibilityConfig": in{"cloudwatchMetricsEnabled": true}}
	webACL := R(tWebACL, "acl", in{"rules": list(managed("AWSManagedRulesCommonRuleSet"), managed("AWSManagedRulesKnownBadInputsRuleSet"), rate), "visibilityConfig": in{"cloudwatchMetricsEnabled": true}})
	trail := R(tTrail, "trail", in{"isMultiRegionTrail": true, "enableLogFileValidation": true, "kmsKeyId": "k", "cloudWatchLogsGroupArn": "arn", "s3BucketName": "audit"})
	detector := R(tGuardDuty, "gd", in{"enable": true})
	feature := func(name string) Resource {
		return R(tGuardDutyFeature, "gd-"+name, in{"detectorId": "gd-id", "name": name, "status": "ENABLED"})
	}
	secret := R(tSecret, "app", in{"kmsKeyId": "k"})
	ns := namespace("payments", in{"pod-security.kubernetes.io/enforce": "restricted"})
	denyAll := nsObject(tNetworkPolicy, "default-deny", "payments", in{"podSelector": in{}, "policyTypes": list("Ingress", "Egress")})

	return append([]fixture{
		pass("vpc-flow-logs", "all traffic to an encrypted group", vpc, flow, flowGroup),
		fail("vpc-flow-logs", "no flow log", vpc),
		fail("vpc-flow-logs", "rejected traffic only", vpc, R(tFlowLog, "flow", in{"vpcId": "vpc-id", "trafficType": "REJECT"})),
		fail("vpc-flow-logs", "unencrypted group", vpc, flow, R(tLogGroup, "flow", in{"name": "/vpc/flow-logs", "retentionInDays": 365.0})),

		pass("vpc-default-security-group-closed", "adopted and empty", vpc, R(tDefaultSG, "default", in{"vpcId": "vpc-id", "ingress": list(), "egress": list()})),
		fail("vpc-default-security-group-closed", "not adopted", vpc),
		fail("vpc-default-security-group-closed", "rules left", vpc, R(tDefaultSG, "default", in{"vpcId": "vpc-id", "ingress": list(in{"protocol": "-1"}), "egress": list()})),

		pass("no-public-admin-ports", "https only", secureSG),
		pass("no-public-admin-ports", "ssh from the office", R(tSecurityGroupRule, "ssh", in{"type": "ingress", "protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": list("203.0.113.0/24")})),
		fail("no-public-admin-ports", "ssh from the world", R(tSecurityGroupRule, "ssh", in{"type": "ingress", "protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": list("0.0.0.0/0")})),
		fail("no-public-admin-ports", "rdp in a range over ipv6", R(tSGIngressRule, "rdp", in{"ipProtocol": "tcp", "fromPort": 3000.0, "toPort": 4000.0, "cidrIpv6": "::/0"})),

		pass("no-unrestricted-ingress", "443 from the world", secureSG),
		fail("no-unrestricted-ingress", "all ports from the world", R(tSecurityGroup, "open", in{"ingress": list(in{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": list("0.0.0.0/0")})})),
		fail("no-unrestricted-ingress", "postgres from the world", R(tSGIngressRule, "pg", in{"ipProtocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0, "cidrIpv4": "0.0.0.0/0"})),

		pass("nacl-no-public-admin-ports", "deny before allow", acl(aclRule(50, "deny", "0.0.0.0/0", 22, 22), aclRule(60, "deny", "0.0.0.0/0", 3389, 3389), aclRule(100, "allow", "0.0.0.0/0", 1024, 65535))),
		fail("nacl-no-public-admin-ports", "ephemeral range covers rdp", acl(aclRule(100, "allow", "0.0.0.0/0", 1024, 65535))),
		fail("nacl-no-public-admin-ports", "separate rule resource", R(tNetworkACLRule, "ssh", in{"networkAclId": "other", "egress": false, "ruleAction": "allow", "protocol": "6", "cidrBlock": "0.0.0.0/0", "fromPort": 22.0, "toPort": 22.0, "ruleNumber": 100.0})),

		pass("subnet-no-public-ip-on-launch", "no public ips", R(tSubnet, "s", in{"mapPublicIpOnLaunch": false})),
		fail("subnet-no-public-ip-on-launch", "public ips", R(tSubnet, "s", in{"mapPublicIpOnLaunch": true})),

		pass("data-tier-no-unrestricted-egress", "egress inside the vpc", rds(in{"vpcSecurityGroupIds": list("db-sg-id")}), R(tSecurityGroup, "db-sg", in{"egress": list(in{"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": list("10.0.0.0/16")})})),
		fail("data-tier-no-unrestricted-egress", "egress to the world", dbWithSG, dataSG),

		pass("security-group-descriptions", "described", secureSG),
		fail("security-group-descriptions", "rule without description", R(tSecurityGroup, "x", in{"description": "x", "ingress": list(in{"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0})})),
		fail("security-group-descriptions", "pulumi default description", R(tSecurityGroup, "x", in{"description": "Managed by Pulumi"})),

		pass("multi-az-spread", "three zones", subnet("a", "us-east-1a"), subnet("b", "us-east-1b"), subnet("c", "us-east-1c"), R(tDBSubnetGroup, "db", in{"subnetIds": list("a", "b", "c")})),
		fail("multi-az-spread", "two zones", subnet("a", "us-east-1a"), subnet("b", "us-east-1b")),
		fail("multi-az-spread", "subnet group in two zones", R(tDBSubnetGroup, "db", in{"subnetIds": list("a", "b")})),
		pass("multi-az-spread", "node group in three zones", R(tEKSNodeGroup, "system", in{"subnetIds": list("a", "b", "c")})),
		fail("multi-az-spread", "node group in two zones", R(tEKSNodeGroup, "system", in{"subnetIds": list("a", "b")})),

		pass("kms-key-rotation", "rotating", R(tKMSKey, "k", in{"enableKeyRotation": true})),
		pass("kms-key-rotation", "asymmetric keys cannot rotate", R(tKMSKey, "k", in{"customerMasterKeySpec": "RSA_2048"})),
		fail("kms-key-rotation", "not rotating", R(tKMSKey, "k", in{})),

		pass("kms-no-wildcard-principal", "account root", R(tKMSKey, "k", in{"policy": goodPolicy})),
		pass("kms-no-wildcard-principal", "wildcard with a condition", R(tKMSKey, "k", in{"policy": `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Condition":{"StringEquals":{"aws:PrincipalAccount":"1"}}}]}`})),
		fail("kms-no-wildcard-principal", "anyone", R(tKMSKeyPolicy, "k", in{"policy": `{"Statement":[{"Sid":"Open","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*"}]}`})),

		pass("kms-deletion-window", "30 days", R(tKMSKey, "k", in{"deletionWindowInDays": 30.0})),
		pass("kms-deletion-window", "AWS default", R(tKMSKey, "k", in{})),
		fail("kms-deletion-window", "6 days, below the catalog's 7", R(tKMSKey, "k", in{"deletionWindowInDays": 6.0})),
		pass("kms-deletion-window", "7 days outside production", R(tKMSKey, "k", in{"deletionWindowInDays": 7.0})),
		withParams(fail("kms-deletion-window", "7 days in production", R(tKMSKey, "k", in{"deletionWindowInDays": 7.0})), func(p *Params) { p.MinKeyDeletionWindowDays = 30 }),

		pass("s3-public-access-block", "all four", bucket("b", nil), onBucket(tBucketPAB, "b", in{"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true})),
		fail("s3-public-access-block", "missing", bucket("b", nil)),
		fail("s3-public-access-block", "one flag off", bucket("b", nil), onBucket(tBucketPAB, "b", in{"blockPublicAcls": true, "blockPublicPolicy": false, "ignorePublicAcls": true, "restrictPublicBuckets": true})),
		fail("s3-public-access-block", "public acl on a legacy bucket", R(tBucketLegacy, "b", in{"acl": "public-read"}), onBucket(tBucketPAB, "b", in{"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true})),

		pass("s3-kms-encryption", "customer key", bucket("b", nil), onBucket(tBucketSSE, "b", in{"rules": list(in{"applyServerSideEncryptionByDefault": in{"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "k"}})})),
		fail("s3-kms-encryption", "sse-s3", bucket("b", nil), onBucket(tBucketSSE, "b", in{"rules": list(in{"applyServerSideEncryptionByDefault": in{"sseAlgorithm": "AES256"}})})),
		fail("s3-kms-encryption", "aws-managed key", bucket("b", nil), onBucket(tBucketSSE, "b", in{"rules": list(in{"applyServerSideEncryptionByDefault": in{"sseAlgorithm": "aws:kms"}})})),
		fail("s3-kms-encryption", "none", bucket("b", nil)),

		pass("s3-deny-insecure-transport", "deny without tls", bucket("b", nil), onBucket(tBucketPolicy, "b", in{"policy": tlsPolicy})),
		fail("s3-deny-insecure-transport", "no policy", bucket("b", nil)),
		fail("s3-deny-insecure-transport", "policy without the deny", bucket("b", nil), onBucket(tBucketPolicy, "b", in{"policy": goodPolicy})),

		pass("s3-versioning", "enabled", bucket("b", nil), onBucket(tBucketVersion, "b", in{"versioningConfiguration": in{"status": "Enabled"}})),
		pass("s3-versioning", "legacy inline", R(tBucketLegacy, "b", in{"versioning": in{"enabled": true}})),
		fail("s3-versioning", "suspended", bucket("b", nil), onBucket(tBucketVersion, "b", in{"versioningConfiguration": in{"status": "Suspended"}})),

		pass("s3-lifecycle", "aborts uploads", bucket("b", nil), onBucket(tBucketLifecycle, "b", in{"rules": list(in{"status": "Enabled", "abortIncompleteMultipartUpload": in{"daysAfterInitiation": 7.0}})})),
		fail("s3-lifecycle", "no abort", bucket("b", nil), onBucket(tBucketLifecycle, "b", in{"rules": list(in{"status": "Enabled", "expiration": in{"days": 30.0}})})),
		fail("s3-lifecycle", "none", bucket("b", nil)),

		pass("s3-cross-region-replication", "replicated", bucket("data", in{"tags": in{"backup": "true"}}), onBucket(tBucketReplic, "data", in{"rules": list(in{"status": "Enabled", "destination": in{"bucket": "arn:aws:s3:::replica"}})}), bucket("replica", nil)),
		pass("s3-cross-region-replication", "not critical", bucket("scratch", nil)),
		fail("s3-cross-region-replication", "critical, not replicated", bucket("data", in{"tags": in{"backup": "true"}})),
		fail("s3-cross-region-replication", "object lock, not replicated", bucket("ledger", in{"objectLockEnabled": true})),
		// A real preview of a new stack: ids and ARNs are unknown; the
		// engine records which resources each input depends on.
		pass("s3-cross-region-replication", "preview: source and replica known by property dependencies",
			previewed(bucket("audit", in{"objectLockEnabled": true})),
			previewed(bucket("audit-replica", in{"objectLockEnabled": true})),
			dependsOn(previewed(R(tBucketReplic, "audit", in{"bucket": UnknownSentinel, "rules": list(in{"status": "Enabled", "destination": in{"bucket": UnknownSentinel}})})),
				map[string][]string{"bucket": {urnOf(tBucketV2, "audit")}, "rules": {urnOf(tBucketV2, "audit-replica")}})),
		fail("s3-cross-region-replication", "preview: a critical bucket that is neither source nor destination",
			previewed(bucket("audit", in{"objectLockEnabled": true})),
			previewed(bucket("audit-replica", in{"objectLockEnabled": true})),
			previewed(bucket("ledger", in{"objectLockEnabled": true})),
			dependsOn(previewed(R(tBucketReplic, "audit", in{"bucket": UnknownSentinel, "rules": list(in{"status": "Enabled", "destination": in{"bucket": UnknownSentinel}})})),
				map[string][]string{"bucket": {urnOf(tBucketV2, "audit")}, "rules": {urnOf(tBucketV2, "audit-replica")}})),

		pass("s3-access-logging", "logged", bucket("b", nil), onBucket(tBucketLogging, "b", in{"targetBucket": "logs"})),
		fail("s3-access-logging", "not logged", bucket("b", nil)),

		pass("s3-acls-disabled", "owner enforced", bucket("b", nil), onBucket(tBucketOwnership, "b", in{"rule": in{"objectOwnership": "BucketOwnerEnforced"}})),
		fail("s3-acls-disabled", "object writer", bucket("b", nil), onBucket(tBucketOwnership, "b", in{"rule": in{"objectOwnership": "ObjectWriter"}})),

		pass("s3-object-lock-audit", "locked audit bucket", bucket("platform-audit", in{"objectLockEnabled": true}), onBucket(tBucketLock, "platform-audit", in{"rule": in{"defaultRetention": in{"mode": "GOVERNANCE", "days": 365.0}}})),
		pass("s3-object-lock-audit", "not an audit bucket", bucket("platform-data", nil)),
		fail("s3-object-lock-audit", "unlocked audit bucket", bucket("platform-audit", nil)),
		fail("s3-object-lock-audit", "lock without retention", bucket("access-logs", in{"objectLockEnabled": true})),

		pass("rds-encrypted-cmk", "encrypted", rds(nil)),
		fail("rds-encrypted-cmk", "unencrypted", rds(in{"storageEncrypted": false})),
		fail("rds-encrypted-cmk", "aws-managed key", rds(in{"kmsKeyId": nil})),

		pass("rds-not-public", "private", rds(nil)),
		fail("rds-not-public", "public", rds(in{"publiclyAccessible": true})),

		pass("rds-multi-az", "multi-az", rds(nil)),
		pass("rds-multi-az", "replica", rds(in{"multiAz": nil, "replicateSourceDb": "primary"})),
		fail("rds-multi-az", "single az", rds(in{"multiAz": false})),

		pass("rds-backup-retention", "14 days", rds(nil)),
		fail("rds-backup-retention", "6 days, below the catalog's 7", rds(in{"backupRetentionPeriod": 6.0})),
		pass("rds-backup-retention", "7 days outside production", rds(in{"backupRetentionPeriod": 7.0})),
		withParams(fail("rds-backup-retention", "7 days in production", rds(in{"backupRetentionPeriod": 7.0})), func(p *Params) { p.MinBackupRetentionDays = 14 }),
		fail("rds-backup-retention", "unset", rds(in{"backupRetentionPeriod": nil})),

		pass("rds-deletion-protection", "protected", rds(nil)),
		fail("rds-deletion-protection", "no protection", rds(in{"deletionProtection": false})),
		fail("rds-deletion-protection", "no final snapshot", rds(in{"skipFinalSnapshot": true})),

		pass("rds-iam-auth", "on", rds(nil)),
		fail("rds-iam-auth", "off", rds(in{"iamDatabaseAuthenticationEnabled": nil})),

		pass("rds-log-exports", "both", rds(nil)),
		fail("rds-log-exports", "upgrade missing", rds(in{"enabledCloudwatchLogsExports": list("postgresql")})),

		pass("rds-force-ssl", "forced", rds(nil), pg),
		fail("rds-force-ssl", "default group", rds(in{"parameterGroupName": "default.postgres16"})),
		fail("rds-force-ssl", "not forced", rds(nil), R(tRDSParameterGroup, "pg", in{"parameters": list(in{"name": "rds.force_ssl", "value": "0"})})),

		pass("rds-auto-minor-upgrade", "default", rds(nil)),
		fail("rds-auto-minor-upgrade", "off", rds(in{"autoMinorVersionUpgrade": false})),

		pass("rds-monitoring", "on", rds(nil)),
		fail("rds-monitoring", "no enhanced monitoring", rds(in{"monitoringInterval": 0.0})),
		fail("rds-monitoring", "insights with the aws key", rds(in{"performanceInsightsKmsKeyId": nil})),

		pass("rds-copy-tags-to-snapshots", "on", rds(nil)),
		fail("rds-copy-tags-to-snapshots", "off", rds(in{"copyTagsToSnapshot": false})),

		pass("rds-in-backup-plan", "by tag", rds(nil), R(tBackupSelection, "sel", in{"selectionTags": list(in{"type": "STRINGEQUALS", "key": "backup", "value": "true"})})),
		pass("rds-in-backup-plan", "by arn", rds(in{"tags": nil}), R(tBackupSelection, "sel", in{"resources": list("db-id")})),
		fail("rds-in-backup-plan", "no selection", rds(nil)),

		pass("rds-replica-regional-key", "key of its region", withProvider(R(tRDSInstance, "replica", in{"replicateSourceDb": "arn:aws:rds:us-east-1:1:db:primary", "kmsKeyId": "arn:aws:kms:us-west-2:1:key/k"}), "us-west-2")...),
		fail("rds-replica-regional-key", "key of the source region", withProvider(R(tRDSInstance, "replica", in{"replicateSourceDb": "arn:aws:rds:us-east-1:1:db:primary", "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k"}), "us-west-2")...),
		fail("rds-replica-regional-key", "backup replication without a key", R(tRDSBackupsReplication, "rep", in{"sourceDbInstanceArn": "arn"})),

		pass("rds-managed-master-password", "managed", rds(nil)),
		fail("rds-managed-master-password", "password in state", rds(in{"password": SecretPlaceholder, "manageMasterUserPassword": nil})),

		pass("elasticache-at-rest-cmk", "encrypted", redis(nil)),
		fail("elasticache-at-rest-cmk", "no key", redis(in{"kmsKeyId": nil})),
		pass("elasticache-in-transit", "tls", redis(nil)),
		fail("elasticache-in-transit", "plaintext", redis(in{"transitEncryptionEnabled": false})),
		fail("elasticache-in-transit", "preferred", redis(in{"transitEncryptionMode": "preferred"})),
		pass("elasticache-auth", "rbac", redis(nil)),
		pass("elasticache-auth", "auth token", redis(in{"userGroupIds": nil, "authToken": SecretPlaceholder})),
		fail("elasticache-auth", "open", redis(in{"userGroupIds": nil})),
		pass("elasticache-multi-az", "multi-az", redis(nil)),
		fail("elasticache-multi-az", "no failover", redis(in{"automaticFailoverEnabled": false})),
		pass("elasticache-snapshot-retention", "7 days", redis(nil)),
		fail("elasticache-snapshot-retention", "none", redis(in{"snapshotRetentionLimit": 0.0})),
		pass("elasticache-auto-minor-upgrade", "default", redis(nil)),
		fail("elasticache-auto-minor-upgrade", "off", redis(in{"autoMinorVersionUpgrade": false})),
		pass("elasticache-subnet-group", "data tier", redis(nil)),
		fail("elasticache-subnet-group", "default", redis(in{"subnetGroupName": nil})),

		pass("eks-secrets-encryption", "encrypted", eks(nil)),
		pass("eks-secrets-encryption", "eks component", R(tEKSClusterC, "eks", in{"encryptionConfigKeyArn": "k"})),
		fail("eks-secrets-encryption", "plain secrets", eks(in{"encryptionConfig": nil})),
		pass("eks-private-endpoint", "private", eks(nil)),
		pass("eks-private-endpoint", "public to named cidrs", eks(in{"vpcConfig": in{"endpointPublicAccess": true, "publicAccessCidrs": list("203.0.113.0/24")}})),
		fail("eks-private-endpoint", "public to the world by default", eks(in{"vpcConfig": in{"subnetIds": list("a")}})),
		pass("eks-control-plane-logs", "all", eks(nil)),
		fail("eks-control-plane-logs", "api only", eks(in{"enabledClusterLogTypes": list("api")})),
		withParams(pass("eks-supported-version", "1.35, months of support left", eks(nil)), asOf("2026-11-23")),
		withParams(fail("eks-supported-version", "1.35 past its end", eks(nil)), asOf("2027-03-28")),
		withParams(pass("eks-supported-version", "1.35 on its last day: a warning", eks(nil)), asOf("2027-03-27")),
		withParams(fail("eks-supported-version", "1.33 ended 2026-07-29", eks(in{"version": "1.33"})), asOf("2026-11-23")),
		withParams(fail("eks-supported-version", "extended support", eks(in{"upgradePolicy": in{"supportType": "EXTENDED"}})), asOf("2026-11-23")),
		withParams(fail("eks-supported-version", "upgrade policy unset", eks(in{"upgradePolicy": nil})), asOf("2026-11-23")),
		fail("eks-supported-version", "unpinned", eks(in{"version": nil})),

		pass("eks-addons-pinned", "pinned", R(tEKSAddon, "cni", in{"addonName": "vpc-cni", "addonVersion": "v1.20.4-eksbuild.1"})),
		fail("eks-addons-pinned", "floating", R(tEKSAddon, "cni", in{"addonName": "vpc-cni"})),

		withParams(pass("eks-cluster-admin-scoped", "admin role, creator without admin", eks(in{"accessConfig": in{"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": false}}),
			R(tEKSAccessAssociation, "admins", in{"policyArn": clusterAdminPolicy, "principalArn": "arn:aws:iam::1:role/platform-prod-use1-admin"}),
			R(tEKSAccessAssociation, "deploy", in{"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy", "principalArn": "arn:aws:iam::1:role/platform-prod-use1-deploy"})),
			admins("arn:aws:iam::*:role/platform-*-admin")),
		withParams(pass("eks-cluster-admin-scoped", "preview: the principal is known through the entry's role", eks(in{"accessConfig": in{"bootstrapClusterCreatorAdminPermissions": false}}),
			previewed(R(tIAMRole, "identity-admin", in{"name": "platform-prod-use1-admin"})),
			dependsOn(previewed(R(tEKSAccessEntry, "admins", in{"principalArn": UnknownSentinel})), map[string][]string{"principalArn": {urnOf(tIAMRole, "identity-admin")}}),
			dependsOn(previewed(R(tEKSAccessAssociation, "admins", in{"policyArn": clusterAdminPolicy, "principalArn": UnknownSentinel})), map[string][]string{"principalArn": {urnOf(tEKSAccessEntry, "admins")}})),
			admins("platform-*-admin")),
		withParams(fail("eks-cluster-admin-scoped", "the deploy role is cluster-admin", eks(in{"accessConfig": in{"bootstrapClusterCreatorAdminPermissions": false}}),
			R(tEKSAccessAssociation, "deploy", in{"policyArn": clusterAdminPolicy, "principalArn": "arn:aws:iam::1:role/platform-prod-use1-deploy"})),
			admins("arn:aws:iam::*:role/platform-*-admin")),
		fail("eks-cluster-admin-scoped", "the creator keeps admin (unset means granted)", eks(in{"accessConfig": in{"authenticationMode": "API"}})),
		fail("eks-supported-version", "unknown version", eks(in{"version": "1.24"})),
		pass("eks-no-node-ssh", "no remote access", R(tEKSNodeGroup, "ng", in{"subnetIds": list("a", "b", "c")})),
		fail("eks-no-node-ssh", "ssh key", R(tEKSNodeGroup, "ng", in{"remoteAccess": in{"ec2SshKey": "k"}})),
		pass("imdsv2-required", "required, hop 2", R(tLaunchTemplate, "lt", in{"metadataOptions": in{"httpTokens": "required", "httpPutResponseHopLimit": 2.0}})),
		fail("imdsv2-required", "optional", R(tLaunchTemplate, "lt", in{"metadataOptions": in{"httpTokens": "optional", "httpPutResponseHopLimit": 2.0}})),
		fail("imdsv2-required", "hop limit 3", R(tInstance, "i", in{"metadataOptions": in{"httpTokens": "required", "httpPutResponseHopLimit": 3.0}})),
		pass("ebs-encrypted", "encrypted devices", R(tLaunchTemplate, "lt", in{"blockDeviceMappings": list(in{"ebs": in{"encrypted": "true"}})})),
		fail("ebs-encrypted", "plain volume", R(tEBSVolume, "v", in{"encrypted": false})),
		fail("ebs-encrypted", "plain root", R(tInstance, "i", in{"rootBlockDevice": in{"encrypted": false}})),
		pass("irsa-trust-scoped", "one service account", R(tIAMRole, "irsa", in{"assumeRolePolicy": `{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.us-east-1.amazonaws.com/id/X:sub":"system:serviceaccount:payments:api","oidc.eks.us-east-1.amazonaws.com/id/X:aud":"sts.amazonaws.com"}}}]}`})),
		pass("irsa-trust-scoped", "github oidc is not irsa", R(tIAMRole, "deploy", in{"assumeRolePolicy": `{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/platform:ref:refs/heads/main"}}}]}`})),
		pass("irsa-trust-scoped", "not a web identity role", R(tIAMRole, "svc", in{"assumeRolePolicy": `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})),
		fail("irsa-trust-scoped", "any service account", R(tIAMRole, "irsa", in{"assumeRolePolicy": `{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"oidc.eks.us-east-1.amazonaws.com/id/X:sub":"system:serviceaccount:*"}}}]}`})),

		pass("alb-waf-association", "associated", lb, R(tWebACLAssociation, "assoc", in{"resourceArn": "api-id", "webAclArn": "acl"})),
		pass("alb-waf-association", "internal", R(tLoadBalancer, "int", in{"internal": true})),
		fail("alb-waf-association", "unprotected", lb),
		pass("waf-managed-rules-and-rate-limit", "complete", webACL),
		fail("waf-managed-rules-and-rate-limit", "no rate rule", R(tWebACL, "acl", in{"rules": list(managed("AWSManagedRulesCommonRuleSet"), managed("AWSManagedRulesKnownBadInputsRuleSet"))})),
		fail("waf-managed-rules-and-rate-limit", "no log4j rules", R(tWebACL, "acl", in{"rules": list(managed("AWSManagedRulesCommonRuleSet"), rate)})),
		pass("waf-logging-and-metrics", "logged", webACL, R(tWebACLLogging, "log", in{"resourceArn": "acl-id"})),
		fail("waf-logging-and-metrics", "not logged", webACL),
		fail("waf-logging-and-metrics", "rule without metrics", R(tWebACL, "acl", in{"visibilityConfig": in{"cloudwatchMetricsEnabled": true}, "rules": list(in{"name": "r", "visibilityConfig": in{"cloudwatchMetricsEnabled": false}})}), R(tWebACLLogging, "log", in{"resourceArn": "acl-id"})),
		pass("lb-https-only", "tls 1.3 policy", R(tListener, "https", in{"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"})),
		pass("lb-https-only", "redirect", R(tListener, "http", in{"protocol": "HTTP", "defaultActions": list(in{"type": "redirect", "redirect": in{"protocol": "HTTPS", "statusCode": "HTTP_301"}})})),
		fail("lb-https-only", "serves http", R(tListener, "http", in{"protocol": "HTTP", "defaultActions": list(in{"type": "forward"})})),
		fail("lb-https-only", "old tls", R(tListener, "https", in{"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-2016-08"})),
		pass("lb-hardening", "hardened", lb),
		fail("lb-hardening", "defaults", R(tLoadBalancer, "api", in{"loadBalancerType": "application"})),

		pass("cloudtrail-multi-region", "complete", trail),
		{policy: "cloudtrail-multi-region", name: "trail owned by another stack", pass: true, params: func(p *Params) { p.RequireTrail = false }},
		fail("cloudtrail-multi-region", "single region", R(tTrail, "trail", in{"isMultiRegionTrail": false, "enableLogFileValidation": true, "kmsKeyId": "k", "cloudWatchLogsGroupArn": "a"})),
		withParams(fail("cloudtrail-multi-region", "no trail in the stack holding the account's trail"), func(p *Params) { p.RequireTrail = true }),
		pass("cloudtrail-multi-region", "no trail, none required of this stack"),
		pass("cloudtrail-bucket-private-logged", "private, logged", trail, bucket("audit", nil), onBucket(tBucketPAB, "audit", in{}), onBucket(tBucketLogging, "audit", in{"targetBucket": "logs"})),
		fail("cloudtrail-bucket-private-logged", "bucket not logged", trail, bucket("audit", nil), onBucket(tBucketPAB, "audit", in{})),
		pass("guardduty-enabled", "features on", detector, feature("S3_DATA_EVENTS"), feature("EKS_AUDIT_LOGS"), feature("RDS_LOGIN_EVENTS")),
		fail("guardduty-enabled", "rds protection off", detector, feature("S3_DATA_EVENTS"), feature("EKS_AUDIT_LOGS")),
		withParams(fail("guardduty-enabled", "no detector in the stack holding the baseline"), func(p *Params) { p.RequireAccountBaseline = true }),
		pass("guardduty-enabled", "no detector, no baseline required of this stack"),
		pass("config-records-all", "all", R(tConfigRecorder, "rec", in{"recordingGroup": in{"allSupported": true, "includeGlobalResourceTypes": true}})),
		fail("config-records-all", "some types", R(tConfigRecorder, "rec", in{"recordingGroup": in{"allSupported": false}})),
		pass("securityhub-standards", "fsbp and cis", R(tSecurityHub, "hub", in{}),
			R(tSecurityHubStandard, "fsbp", in{"standardsArn": "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"}),
			R(tSecurityHubStandard, "cis", in{"standardsArn": "arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0"})),
		fail("securityhub-standards", "no cis", R(tSecurityHub, "hub", in{}), R(tSecurityHubStandard, "fsbp", in{"standardsArn": "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"})),
		pass("log-group-encrypted-retention", "audit group a year", R(tLogGroup, "trail", in{"name": "/platform/cloudtrail", "kmsKeyId": "k", "retentionInDays": 365.0})),
		fail("log-group-encrypted-retention", "audit group 90 days", R(tLogGroup, "trail", in{"name": "/platform/cloudtrail", "kmsKeyId": "k", "retentionInDays": 90.0})),
		fail("log-group-encrypted-retention", "unencrypted", R(tLogGroup, "app", in{"name": "/platform/app", "retentionInDays": 30.0})),

		pass("secrets-cmk", "customer key", secret),
		fail("secrets-cmk", "aws key", R(tSecret, "app", in{})),
		pass("secrets-rotation", "30 days", secret, R(tSecretRotation, "rot", in{"secretId": "app-id", "rotationRules": in{"automaticallyAfterDays": 30.0}})),
		fail("secrets-rotation", "no rotation", secret),
		fail("secrets-rotation", "yearly", secret, R(tSecretRotation, "rot", in{"secretId": "app-id", "rotationRules": in{"automaticallyAfterDays": 365.0}})),
		pass("no-plaintext-credentials", "secret refs", deployment("api", goodPod()), R(tSecretVersion, "v", in{"secretString": SecretPlaceholder})),
		fail("no-plaintext-credentials", "env value", deployment("api", in{"containers": list(in{"name": "app", "env": list(in{"name": "DB_PASSWORD", "value": "hunter2"})})})),
		fail("no-plaintext-credentials", "configmap", R(tConfigMap, "cfg", in{"data": in{"api_key": "x"}})),
		fail("no-plaintext-credentials", "plaintext secret version", R(tSecretVersion, "v", in{"secretString": "hunter2"})),
		pass("backup-vault-cmk", "customer key", R(tBackupVault, "v", in{"kmsKeyArn": "k"})),
		fail("backup-vault-cmk", "aws key", R(tBackupVault, "v", in{})),
		pass("backup-plan-dr-copy", "copies", R(tBackupPlan, "p", in{"rules": list(in{"ruleName": "daily", "copyActions": list(in{"destinationVaultArn": "arn:aws:backup:us-west-2:1:backup-vault:dr"})})})),
		fail("backup-plan-dr-copy", "one region", R(tBackupPlan, "p", in{"rules": list(in{"ruleName": "daily"})})),

		pass("k8s-non-root-no-escalation", "hardened", deployment("api", goodPod())),
		fail("k8s-non-root-no-escalation", "root", deployment("api", in{"containers": list(in{"name": "app", "image": "a:1"})})),
		fail("k8s-non-root-no-escalation", "privileged", R(tPod, "p", in{"spec": in{"containers": list(in{"name": "c", "securityContext": in{"runAsNonRoot": true, "allowPrivilegeEscalation": false, "privileged": true}})}})),
		pass("k8s-readonly-caps-seccomp", "hardened", deployment("api", goodPod())),
		fail("k8s-readonly-caps-seccomp", "defaults", deployment("api", in{"containers": list(in{"name": "app"})})),
		pass("k8s-no-host-namespaces", "isolated", deployment("api", goodPod())),
		fail("k8s-no-host-namespaces", "host network", deployment("api", with(goodPod(), "hostNetwork", true))),
		pass("k8s-resources-set", "set", deployment("api", goodPod())),
		fail("k8s-resources-set", "unset", R(tCronJob, "job", in{"spec": in{"jobTemplate": in{"spec": in{"template": in{"spec": in{"containers": list(in{"name": "c"})}}}}}})),
		pass("k8s-namespace-default-deny", "deny all", ns, denyAll),
		pass("k8s-namespace-default-deny", "system namespace", namespace("kube-system", nil)),
		fail("k8s-namespace-default-deny", "none", ns),
		fail("k8s-namespace-default-deny", "policy allows ingress", ns, nsObject(tNetworkPolicy, "allow", "payments", in{"podSelector": in{}, "policyTypes": list("Ingress"), "ingress": list(in{})})),
		pass("k8s-namespace-pod-security", "restricted", ns),
		fail("k8s-namespace-pod-security", "unlabelled", namespace("payments", nil)),
		fail("k8s-namespace-pod-security", "privileged", namespace("payments", in{"pod-security.kubernetes.io/enforce": "privileged"})),
		pass("k8s-namespace-quota-limits", "both", ns, nsObject(tResourceQuota, "q", "payments", in{}), nsObject(tLimitRange, "l", "payments", in{})),
		fail("k8s-namespace-quota-limits", "no limit range", ns, nsObject(tResourceQuota, "q", "payments", in{})),
		pass("k8s-image-pinned", "tag", deployment("api", goodPod())),
		pass("k8s-image-pinned", "digest", R(tPod, "p", in{"spec": in{"containers": list(in{"name": "c", "image": "registry:5000/app@sha256:" + sha})}})),
		fail("k8s-image-pinned", "latest", R(tPod, "p", in{"spec": in{"containers": list(in{"name": "c", "image": "app:latest"})}})),
		fail("k8s-image-pinned", "no tag", R(tPod, "p", in{"spec": in{"containers": list(in{"name": "c", "image": "registry:5000/app"})}})),
		pass("k8s-no-cluster-admin-binding", "system group", R(tCRB, "b", in{"roleRef": in{"name": "cluster-admin"}, "subjects": list(in{"kind": "Group", "name": "system:masters"})})),
		fail("k8s-no-cluster-admin-binding", "workload", R(tCRB, "b", in{"roleRef": in{"name": "cluster-admin"}, "subjects": list(in{"kind": "ServiceAccount", "name": "api", "namespace": "payments"})})),
		pass("k8s-no-token-automount", "off", deployment("api", goodPod())),
		fail("k8s-no-token-automount", "default", deployment("api", in{"containers": list(goodContainer)})),
		pass("k8s-pdb-and-hpa", "both", deployment("api", goodPod()),
			nsObject(tPDB, "api", "payments", in{"selector": in{"matchLabels": in{"app": "api"}}, "minAvailable": 1.0}),
			nsObject(tHPA, "api", "payments", in{"scaleTargetRef": in{"kind": "Deployment", "name": "api"}, "minReplicas": 2.0})),
		fail("k8s-pdb-and-hpa", "single replica autoscaler", deployment("api", goodPod()),
			nsObject(tPDB, "api", "payments", in{"selector": in{"matchLabels": in{"app": "api"}}}),
			nsObject(tHPA, "api", "payments", in{"scaleTargetRef": in{"kind": "Deployment", "name": "api"}, "minReplicas": 1.0})),
		pass("helm-chart-pinned", "exact", R(tHelmReleaseV3, "lbc", in{"chart": "aws-load-balancer-controller", "version": "1.8.1"})),
		fail("helm-chart-pinned", "floating", R(tHelmReleaseV3, "lbc", in{"chart": "aws-load-balancer-controller"})),
		fail("helm-chart-pinned", "range", R(tHelmChartV4, "lbc", in{"version": "^1.8"})),

		pass("opensearch-encrypted-at-rest", "customer key", searchDomain(nil)),
		pass("opensearch-encrypted-at-rest", "legacy elasticsearch domain", searchDomainOf(tESDomain, nil)),
		fail("opensearch-encrypted-at-rest", "unencrypted", searchDomain(in{"encryptAtRest": nil})),
		fail("opensearch-encrypted-at-rest", "aws-managed key", searchDomain(in{"encryptAtRest": in{"enabled": true}})),
		fail("opensearch-encrypted-at-rest", "aws/es alias", searchDomain(in{"encryptAtRest": in{"enabled": true, "kmsKeyId": "alias/aws/es"}})),
		pass("opensearch-node-to-node-encryption", "on", searchDomain(nil)),
		fail("opensearch-node-to-node-encryption", "off", searchDomain(in{"nodeToNodeEncryption": in{"enabled": false}})),
		fail("opensearch-node-to-node-encryption", "legacy domain, unset", searchDomainOf(tESDomain, in{"nodeToNodeEncryption": nil})),
		pass("opensearch-https-tls12", "tls 1.2 with forward secrecy", searchDomain(nil)),
		pass("opensearch-https-tls12", "tls 1.2", searchDomain(in{"domainEndpointOptions": in{"enforceHttps": true, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"}})),
		fail("opensearch-https-tls12", "tls 1.0", searchDomain(in{"domainEndpointOptions": in{"enforceHttps": true, "tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"}})),
		fail("opensearch-https-tls12", "plain http", searchDomain(in{"domainEndpointOptions": in{"enforceHttps": false, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"}})),
		fail("opensearch-https-tls12", "no tls policy", searchDomain(in{"domainEndpointOptions": in{"enforceHttps": true}})),
		pass("opensearch-in-vpc", "private subnets", searchDomain(nil)),
		pass("opensearch-in-vpc", "preview: subnets known at deploy", previewed(searchDomain(in{"vpcOptions": in{"subnetIds": list(UnknownSentinel, UnknownSentinel, UnknownSentinel)}}))),
		fail("opensearch-in-vpc", "public endpoint", searchDomain(in{"vpcOptions": nil})),
		pass("opensearch-fine-grained-access", "iam master user", searchDomain(nil)),
		fail("opensearch-fine-grained-access", "off", searchDomain(in{"advancedSecurityOptions": in{"enabled": false}})),
		fail("opensearch-fine-grained-access", "anonymous users", searchDomain(in{"advancedSecurityOptions": in{"enabled": true, "anonymousAuthEnabled": true}})),
		fail("opensearch-fine-grained-access", "internal user database", searchDomain(in{"advancedSecurityOptions": in{"enabled": true, "internalUserDatabaseEnabled": true}})),
		pass("opensearch-audit-error-logs", "audit and error logs", searchDomain(nil)),
		fail("opensearch-audit-error-logs", "audit log disabled", searchDomain(in{"logPublishingOptions": list(
			in{"logType": "ES_APPLICATION_LOGS", "cloudwatchLogGroupArn": "arn:aws:logs:us-east-1:1:log-group:/search/application"},
			in{"logType": "AUDIT_LOGS", "cloudwatchLogGroupArn": "arn:aws:logs:us-east-1:1:log-group:/search/audit", "enabled": false})})),
		fail("opensearch-audit-error-logs", "slow logs only", searchDomain(in{"logPublishingOptions": list(in{"logType": "SEARCH_SLOW_LOGS", "cloudwatchLogGroupArn": "arn:aws:logs:us-east-1:1:log-group:/search/slow"})})),
		fail("opensearch-audit-error-logs", "none", searchDomain(in{"logPublishingOptions": nil})),
		pass("opensearch-multi-az", "six nodes in three zones", searchDomain(in{"clusterConfig": in{"instanceCount": 6.0, "zoneAwarenessEnabled": true, "zoneAwarenessConfig": in{"availabilityZoneCount": 3.0}}})),
		fail("opensearch-multi-az", "two zones (the aws default)", searchDomain(in{"clusterConfig": in{"instanceCount": 4.0, "zoneAwarenessEnabled": true}})),
		fail("opensearch-multi-az", "one node", searchDomain(in{"clusterConfig": nil})),
		pass("opensearch-no-wildcard-principal", "named roles", R(tOpenSearchDomainPolicy, "search", in{"domainName": "search", "accessPolicies": searchAccess})),
		pass("opensearch-no-wildcard-principal", "domain without an inline policy", searchDomain(nil)),
		pass("opensearch-no-wildcard-principal", "deny to anyone", R(tOpenSearchDomainPolicy, "search", in{"accessPolicies": `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"es:ESHttpDelete","Resource":"*"}]}`})),
		fail("opensearch-no-wildcard-principal", "anyone, even with a condition", R(tOpenSearchDomainPolicy, "search", in{"accessPolicies": `{"Statement":[{"Sid":"Open","Effect":"Allow","Principal":{"AWS":"*"},"Action":"es:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`})),
		fail("opensearch-no-wildcard-principal", "inline on a legacy domain", searchDomainOf(tESDomain, in{"accessPolicies": in{"Statement": list(in{"Effect": "Allow", "Principal": "*", "Action": "es:*"})}})),
		fail("opensearch-no-wildcard-principal", "not principal", R(tESDomainPolicy, "search", in{"accessPolicies": `{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::1:role/x"},"Action":"es:*"}]}`})),

		pass("fis-alarm-stop-condition", "alarm", fisTemplate(nil)),
		pass("fis-alarm-stop-condition", "preview: alarm arn known at deploy", previewed(fisTemplate(in{"stopConditions": list(in{"source": "aws:cloudwatch:alarm", "value": UnknownSentinel})}))),
		fail("fis-alarm-stop-condition", "source none", fisTemplate(in{"stopConditions": list(in{"source": "none"})})),
		fail("fis-alarm-stop-condition", "alarm without an arn", fisTemplate(in{"stopConditions": list(in{"source": "aws:cloudwatch:alarm"})})),
		fail("fis-alarm-stop-condition", "no stop condition", fisTemplate(in{"stopConditions": nil})),
		pass("fis-experiment-logging", "cloudwatch logs", fisTemplate(nil)),
		pass("fis-experiment-logging", "s3", fisTemplate(in{"logConfiguration": in{"logSchemaVersion": 2.0, "s3Configuration": in{"bucketName": "platform-prod-use1-chaos"}}})),
		fail("fis-experiment-logging", "not logged", fisTemplate(in{"logConfiguration": nil})),
		fail("fis-experiment-logging", "no destination", fisTemplate(in{"logConfiguration": in{"logSchemaVersion": 2.0}})),

		pass("log-store-retention-within-lifecycle", "loki: 30 days, bucket 45",
			loki("720h", "logs"), bucket("logs", nil), expires("logs", 45)),
		fail("log-store-retention-within-lifecycle", "loki: 30 days, bucket 30",
			loki("720h", "logs"), bucket("logs", nil), expires("logs", 30)),
		fail("log-store-retention-within-lifecycle", "loki retention in days",
			loki("60d", "logs"), bucket("logs", nil), expires("logs", 45)),
		pass("log-store-retention-within-lifecycle", "bucket never expires objects", loki("720h", "logs"), bucket("logs", nil)),
		pass("log-store-retention-within-lifecycle", "a prefix rule does not cover the chunks",
			loki("720h", "logs"), bucket("logs", nil), onBucket(tBucketLifecycle, "logs", in{"rules": list(in{"status": "Enabled", "filter": in{"prefix": "tmp/"}, "expiration": in{"days": 1.0}})})),
		fail("log-store-retention-within-lifecycle", "tempo: 14 days, bucket 7",
			R(tHelmReleaseV3, "tempo", in{"chart": "tempo-distributed", "values": in{"compactor": in{"config": in{"compaction": in{"block_retention": "336h"}}}, "storage": in{"trace": in{"s3": in{"bucket": "traces"}}}}}),
			bucket("traces", nil), expires("traces", 7)),
		fail("log-store-retention-within-lifecycle", "canary keeps failures longer than its bucket",
			R(tSyntheticsCanary, "api", in{"artifactS3Location": "s3://artifacts/api", "successRetentionPeriod": 14.0, "failureRetentionPeriod": 31.0}),
			bucket("artifacts", nil), expires("artifacts", 30)),
		pass("log-store-retention-within-lifecycle", "canary within its bucket",
			R(tSyntheticsCanary, "api", in{"artifactS3Location": "s3://artifacts/api", "successRetentionPeriod": 14.0, "failureRetentionPeriod": 31.0}),
			bucket("artifacts", nil), expires("artifacts", 31.0+1)),
		fail("log-store-retention-within-lifecycle", "retention not a duration", loki("a month", "logs"), bucket("logs", nil)),

		pass("ecr-immutable-tags", "immutable", ecrRepo(nil)),
		pass("ecr-immutable-tags", "immutable with exclusions", ecrRepo(in{"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"})),
		fail("ecr-immutable-tags", "mutable", ecrRepo(in{"imageTagMutability": "MUTABLE"})),
		fail("ecr-immutable-tags", "unset is mutable", ecrRepo(in{"imageTagMutability": nil})),
		pass("ecr-immutable-tags", "replication template", ecrTemplate(nil)),
		pass("ecr-immutable-tags", "mutable pull-through cache template", ecrTemplate(in{"prefix": "quay", "appliedFors": list("PULL_THROUGH_CACHE"), "imageTagMutability": "MUTABLE"})),
		fail("ecr-immutable-tags", "mutable replication template", ecrTemplate(in{"imageTagMutability": "MUTABLE"})),
		fail("ecr-immutable-tags", "mutable template for cache and replication", ecrTemplate(in{"appliedFors": list("PULL_THROUGH_CACHE", "REPLICATION"), "imageTagMutability": "MUTABLE"})),

		pass("ecr-kms-encryption", "kms key", ecrRepo(nil)),
		fail("ecr-kms-encryption", "default AES256", ecrRepo(in{"encryptionConfigurations": nil})),
		fail("ecr-kms-encryption", "explicit AES256", ecrRepo(in{"encryptionConfigurations": list(in{"encryptionType": "AES256"})})),
		fail("ecr-kms-encryption", "aws-managed key", ecrRepo(in{"encryptionConfigurations": list(in{"encryptionType": "KMS"})})),
		pass("ecr-kms-encryption", "template with key and role", ecrTemplate(nil)),
		fail("ecr-kms-encryption", "template without key", ecrTemplate(in{"encryptionConfigurations": nil})),
		fail("ecr-kms-encryption", "template without creation role", ecrTemplate(in{"customRoleArn": nil})),

		pass("ecr-lifecycle-policy", "repository with a lifecycle policy", ecrRepo(nil), ecrLifecycle("platform/mita-backend", ecrRules)),
		pass("ecr-lifecycle-policy", "by property dependency in a preview",
			previewed(ecrRepo(nil)), dependsOn(ecrLifecycle(UnknownSentinel, ecrRules), map[string][]string{"repository": {urnOf(tECRRepository, "mita-backend")}})),
		fail("ecr-lifecycle-policy", "repository without a lifecycle policy", ecrRepo(nil)),
		fail("ecr-lifecycle-policy", "lifecycle policy of another repository", ecrRepo(nil), ecrLifecycle("platform/other", ecrRules)),
		fail("ecr-lifecycle-policy", "lifecycle policy without rules", ecrRepo(nil), ecrLifecycle("platform/mita-backend", `{"rules":[]}`)),
		pass("ecr-lifecycle-policy", "template with a lifecycle policy", ecrTemplate(nil)),
		fail("ecr-lifecycle-policy", "template without a lifecycle policy", ecrTemplate(in{"lifecyclePolicy": nil})),

		pass("ecr-scan-on-push", "repository scans on push", ecrRepo(nil)),
		pass("ecr-scan-on-push", "enhanced registry scanning covers it", ecrRepo(in{"imageScanningConfiguration": nil}), ecrScanning(nil)),
		pass("ecr-scan-on-push", "enhanced filter matches the name", ecrRepo(in{"imageScanningConfiguration": nil}),
			ecrScanning(in{"rules": list(in{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": list(in{"filter": "platform/*", "filterType": "WILDCARD"})})})),
		fail("ecr-scan-on-push", "no scanning", ecrRepo(in{"imageScanningConfiguration": in{"scanOnPush": false}})),
		fail("ecr-scan-on-push", "basic registry scanning does not count", ecrRepo(in{"imageScanningConfiguration": nil}), ecrScanning(in{"scanType": "BASIC"})),
		fail("ecr-scan-on-push", "filter does not match", ecrRepo(in{"imageScanningConfiguration": nil}),
			ecrScanning(in{"rules": list(in{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": list(in{"filter": "quay/*", "filterType": "WILDCARD"})})})),
		fail("ecr-scan-on-push", "scanning of another region",
			append(withProvider(ecrRepo(in{"imageScanningConfiguration": nil}), "us-east-1"), withProvider(ecrScanning(nil), "us-west-2")...)...),

		pass("ecr-enhanced-scanning", "enhanced on push and continuously", ecrScanning(nil)),
		fail("ecr-enhanced-scanning", "basic", ecrScanning(in{"scanType": "BASIC"})),
		fail("ecr-enhanced-scanning", "no continuous scan",
			ecrScanning(in{"rules": list(in{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": list(in{"filter": "*", "filterType": "WILDCARD"})})})),
		fail("ecr-enhanced-scanning", "only some repositories",
			ecrScanning(in{"rules": list(
				in{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": list(in{"filter": "platform/*", "filterType": "WILDCARD"})},
				in{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": list(in{"filter": "*", "filterType": "WILDCARD"})})})),
	}, extra...)
}

// loki is a Loki release keeping retention in bucket.
func loki(retention, bucket string) Resource {
	return R(tHelmReleaseV3, "loki", in{"chart": "loki", "values": in{"loki": in{
		"limits_config": in{"retention_period": retention}, "storage": in{"bucketNames": in{"chunks": bucket}},
	}}})
}

// expires is a lifecycle that expires every object of b after days.
func expires(b string, days float64) Resource {
	return onBucket(tBucketLifecycle, b, in{"rules": list(in{"status": "Enabled", "filter": in{"prefix": ""}, "expiration": in{"days": days}})})
}

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// withProvider puts a resource in a region through an explicit provider.
func withProvider(r Resource, region string) []Resource {
	p := R(tProviderAWS, "aws-"+region, in{"region": region})
	r.Provider = p.URN
	return []Resource{r, p}
}

// searchAccess names only roles: the writers, the readers and the master.
const searchAccess = `{"Version":"2012-10-17","Statement":[{"Sid":"PlatformAdmin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:role/platform-prod-use1-admin"},"Action":"es:ESHttp*","Resource":"arn:aws:es:us-east-1:1:domain/search/*"},{"Sid":"LogShippersWrite","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:role/fluent-bit"]},"Action":["es:ESHttpPost","es:ESHttpPut"],"Resource":"arn:aws:es:us-east-1:1:domain/search/*"}]}`

// searchDomain is an OpenSearch domain as components/search builds it,
// with extra inputs replaced (nil removes one).
func searchDomain(extra in) Resource { return searchDomainOf(tOpenSearchDomain, extra) }

func searchDomainOf(typ string, extra in) Resource {
	inputs := in{
		"domainName":            "search",
		"encryptAtRest":         in{"enabled": true, "kmsKeyId": "arn:aws:kms:us-east-1:1:key/logs"},
		"nodeToNodeEncryption":  in{"enabled": true},
		"domainEndpointOptions": in{"enforceHttps": true, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"},
		"vpcOptions":            in{"subnetIds": list("subnet-a", "subnet-b", "subnet-c"), "securityGroupIds": list("sg")},
		"advancedSecurityOptions": in{"enabled": true, "internalUserDatabaseEnabled": false, "anonymousAuthEnabled": false,
			"masterUserOptions": in{"masterUserArn": "arn:aws:iam::1:role/platform-prod-use1-admin"}},
		"logPublishingOptions": list(
			in{"logType": "ES_APPLICATION_LOGS", "cloudwatchLogGroupArn": "arn:aws:logs:us-east-1:1:log-group:/search/application", "enabled": true},
			in{"logType": "AUDIT_LOGS", "cloudwatchLogGroupArn": "arn:aws:logs:us-east-1:1:log-group:/search/audit", "enabled": true}),
		"clusterConfig": in{"instanceCount": 3.0, "zoneAwarenessEnabled": true, "zoneAwarenessConfig": in{"availabilityZoneCount": 3.0}},
	}
	for k, v := range extra {
		if v == nil {
			delete(inputs, k)
		} else {
			inputs[k] = v
		}
	}
	return R(typ, "search", inputs)
}

// fisTemplate is an experiment template that stops on an alarm and logs
// to CloudWatch Logs, with extra inputs replaced (nil removes one).
func fisTemplate(extra in) Resource {
	inputs := in{
		"description":      "terminate one node of the system node group",
		"roleArn":          "arn:aws:iam::1:role/fis",
		"stopConditions":   list(in{"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:us-east-1:1:alarm:api-5xx"}),
		"logConfiguration": in{"logSchemaVersion": 2.0, "cloudwatchLogsConfiguration": in{"logGroupArn": "arn:aws:logs:us-east-1:1:log-group:/platform/fis:*"}},
	}
	for k, v := range extra {
		if v == nil {
			delete(inputs, k)
		} else {
			inputs[k] = v
		}
	}
	return R(tFISTemplate, "chaos", inputs)
}

// ecrRules is the lifecycle policy components/registry writes.
const ecrRules = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}},{"rulePriority":2,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}}]}`

// withInputs replaces inputs of a fixture's defaults (nil removes one).
func withInputs(inputs, extra in) in {
	for k, v := range extra {
		if v == nil {
			delete(inputs, k)
		} else {
			inputs[k] = v
		}
	}
	return inputs
}

// ecrRepo is a repository as components/registry builds it.
func ecrRepo(extra in) Resource {
	return R(tECRRepository, "mita-backend", withInputs(in{
		"name":                       "platform/mita-backend",
		"imageTagMutability":         "IMMUTABLE",
		"encryptionConfigurations":   list(in{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:1:key/data"}),
		"imageScanningConfiguration": in{"scanOnPush": true},
		"forceDelete":                false,
	}, extra))
}

// ecrLifecycle is a lifecycle policy of the repository named repo.
func ecrLifecycle(repo, policy string) Resource {
	return R(tECRLifecyclePolicy, "mita-backend", in{"repository": repo, "policy": policy})
}

// ecrTemplate is the replication template components/registry builds.
func ecrTemplate(extra in) Resource {
	return R(tECRCreationTemplate, "replication", withInputs(in{
		"prefix":                   "platform",
		"appliedFors":              list("REPLICATION"),
		"imageTagMutability":       "IMMUTABLE",
		"encryptionConfigurations": list(in{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-west-2:1:key/data"}),
		"customRoleArn":            "arn:aws:iam::1:role/platform-prod-usw2-ecr-repository-creation",
		"lifecyclePolicy":          ecrRules,
	}, extra))
}

// ecrScanning is enhanced registry scanning on push and continuously.
func ecrScanning(extra in) Resource {
	every := list(in{"filter": "*", "filterType": "WILDCARD"})
	return R(tECRRegistryScanning, "registry", withInputs(in{
		"scanType": "ENHANCED",
		"rules": list(
			in{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": every},
			in{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": every}),
	}, extra))
}
