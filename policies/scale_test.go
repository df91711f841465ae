package policies

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// synthPreview makes what `pulumi preview --json` prints for a new stack
// of about n ordinary resources, in groups: a bucket with its companions,
// a key, a secret with its rotation, a database with its parameter group
// and security group, and a Kubernetes namespace with its policies and a
// deployment. Every name and id is distinct; ids and ARNs are unknown, as
// in a real preview, and companions are tied to their parents by property
// dependencies, as the engine records them. Everything is secure, so the
// pack's verdict is known: no violation.
func synthPreview(n int) []byte {
	const project = "synthetic"
	urn := func(typ, name string) string { return "urn:pulumi:scale::" + project + "::" + typ + "::" + name }
	var steps []map[string]any
	add := func(typ, name string, inputs map[string]any, deps map[string][]string) string {
		u := urn(typ, name)
		steps = append(steps, map[string]any{"op": "create", "urn": u, "newState": map[string]any{
			"urn": u, "type": typ, "custom": true, "inputs": inputs, "propertyDependencies": deps,
			"provider": urn("pulumi:providers:aws", "aws") + "::" + UnknownSentinel,
		}})
		return u
	}
	add("pulumi:providers:aws", "aws", map[string]any{"region": "us-east-1"}, nil)
	add(tBackupSelection, "backup", map[string]any{"selectionTags": []any{map[string]any{"type": "STRINGEQUALS", "key": "backup", "value": "true"}}}, nil)
	key := "arn:aws:kms:us-east-1:123456789012:key/synthetic"
	tlsPolicy := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	keyPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`
	pod := map[string]any{"automountServiceAccountToken": false, "containers": []any{map[string]any{
		"name": "app", "image": "registry.example.com/app:1.2.3",
		"securityContext": map[string]any{"runAsNonRoot": true, "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
			"capabilities": map[string]any{"drop": []any{"ALL"}}, "seccompProfile": map[string]any{"type": "RuntimeDefault"}},
		"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"}, "limits": map[string]any{"cpu": "500m", "memory": "256Mi"}},
	}}}
	for g := 0; len(steps) < n; g++ {
		b := fmt.Sprintf("bucket-%d", g)
		bucket := add(tBucketV2, b, map[string]any{"bucket": "synthetic-" + b}, map[string][]string{"bucket": {}})
		on := map[string][]string{"bucket": {bucket}}
		with := func(extra map[string]any) map[string]any {
			out := map[string]any{"bucket": UnknownSentinel}
			for k, v := range extra {
				out[k] = v
			}
			return out
		}
		add(tBucketPAB, b, with(map[string]any{"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true}), on)
		add(tBucketSSE, b, with(map[string]any{"rules": []any{map[string]any{"applyServerSideEncryptionByDefault": map[string]any{"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key}}}}), on)
		add(tBucketVersion, b, with(map[string]any{"versioningConfiguration": map[string]any{"status": "Enabled"}}), on)
		add(tBucketPolicy, b, with(map[string]any{"policy": tlsPolicy}), on)
		add(tBucketOwnership, b, with(map[string]any{"rule": map[string]any{"objectOwnership": "BucketOwnerEnforced"}}), on)
		add(tBucketLifecycle, b, with(map[string]any{"rules": []any{map[string]any{"id": "abort", "status": "Enabled", "abortIncompleteMultipartUpload": map[string]any{"daysAfterInitiation": 7.0}}}}), on)
		add(tBucketLogging, b, with(map[string]any{"targetBucket": "synthetic-access", "targetPrefix": b + "/"}), on)

		add(tKMSKey, fmt.Sprintf("key-%d", g), map[string]any{"enableKeyRotation": true, "deletionWindowInDays": 30.0, "policy": keyPolicy}, nil)

		s := fmt.Sprintf("secret-%d", g)
		secret := add(tSecret, s, map[string]any{"name": "synthetic/" + s, "kmsKeyId": key}, nil)
		add(tSecretRotation, s, map[string]any{"secretId": UnknownSentinel, "rotationRules": map[string]any{"automaticallyAfterDays": 30.0}}, map[string][]string{"secretId": {secret}})

		d := fmt.Sprintf("db-%d", g)
		pg := add(tRDSParameterGroup, d, map[string]any{"family": "postgres16", "parameters": []any{map[string]any{"name": "rds.force_ssl", "value": "1"}}}, nil)
		sg := add(tSecurityGroup, d, map[string]any{"description": "database " + d, "ingress": []any{map[string]any{"description": "postgres from the private tier", "protocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0, "cidrBlocks": []any{"10.0.0.0/16"}}}}, nil)
		add(tRDSInstance, d, map[string]any{
			"identifier": "synthetic-" + d, "engine": "postgres", "storageEncrypted": true, "kmsKeyId": key, "multiAz": true,
			"backupRetentionPeriod": 14.0, "deletionProtection": true, "skipFinalSnapshot": false, "iamDatabaseAuthenticationEnabled": true,
			"enabledCloudwatchLogsExports": []any{"postgresql", "upgrade"}, "monitoringInterval": 30.0, "performanceInsightsEnabled": true,
			"performanceInsightsKmsKeyId": key, "copyTagsToSnapshot": true, "manageMasterUserPassword": true, "autoMinorVersionUpgrade": true,
			"parameterGroupName": UnknownSentinel, "vpcSecurityGroupIds": []any{UnknownSentinel}, "tags": map[string]any{"backup": "true"},
		}, map[string][]string{"parameterGroupName": {pg}, "vpcSecurityGroupIds": {sg}})

		ns := fmt.Sprintf("team-%d", g)
		meta := func(name string) map[string]any { return map[string]any{"name": name, "namespace": ns} }
		add(tNamespace, ns, map[string]any{"metadata": map[string]any{"name": ns, "labels": map[string]any{"pod-security.kubernetes.io/enforce": "restricted"}}}, nil)
		add(tNetworkPolicy, ns, map[string]any{"metadata": meta("default-deny"), "spec": map[string]any{"podSelector": map[string]any{}, "policyTypes": []any{"Ingress", "Egress"}}}, nil)
		add(tResourceQuota, ns, map[string]any{"metadata": meta("quota"), "spec": map[string]any{"hard": map[string]any{"requests.cpu": "10"}}}, nil)
		add(tLimitRange, ns, map[string]any{"metadata": meta("limits"), "spec": map[string]any{"limits": []any{map[string]any{"type": "Container"}}}}, nil)
		add(tDeployment, ns, map[string]any{"metadata": meta("api"), "spec": map[string]any{"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "api"}}, "spec": pod}}}, nil)
		add(tPDB, ns, map[string]any{"metadata": meta("api"), "spec": map[string]any{"minAvailable": 1.0, "selector": map[string]any{"matchLabels": map[string]any{"app": "api"}}}}, nil)
		add(tHPA, ns, map[string]any{"metadata": meta("api"), "spec": map[string]any{"minReplicas": 2.0, "maxReplicas": 6.0, "scaleTargetRef": map[string]any{"kind": "Deployment", "name": "api"}}}, nil)
	}
	b, err := json.Marshal(map[string]any{"steps": steps, "changeSummary": map[string]any{"create": len(steps)}})
	if err != nil {
		panic(err)
	}
	return b
}

// scaleConfig is the pack config of the synthetic stack: it holds no
// account baseline (another stack of the account would).
func scaleConfig(t testing.TB) *Config {
	t.Helper()
	c, err := ParseConfig([]byte("params:\n  requireAccountBaseline: false\n  requireTrail: false\n"), "pack.yaml")
	require.NoError(t, err)
	return c
}

// TestSyntheticPreviewPasses: the scale benchmark's preview is read whole
// and the pack finds nothing wrong in it, so the benchmark measures the
// ordinary path of every policy.
func TestSyntheticPreviewPasses(t *testing.T) {
	rs, err := FromPreviewJSON(synthPreview(1000))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(rs), 1000)
	report := Evaluate(rs, Options{Config: scaleConfig(t), Stack: "scale"})
	for _, v := range report.Violations {
		t.Errorf("%s %s: %s", v.Policy, v.URN, v.Message)
	}
	require.Empty(t, report.Undecided, "property dependencies decide every companion")
	t.Logf("%+v", report.Summary)
}

// BenchmarkCheckScale reads and checks generated previews of 1k, 10k and
// 100k resources; ns/resource should stay flat.
func BenchmarkCheckScale(b *testing.B) {
	cfg := scaleConfig(b)
	for _, n := range []int{1000, 10000, 100000} {
		doc := synthPreview(n)
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var count int
			for b.Loop() {
				rs, err := FromPreviewJSON(doc)
				if err != nil {
					b.Fatal(err)
				}
				count = len(rs)
				Evaluate(rs, Options{Config: cfg, Stack: "scale"})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(count), "ns/resource")
		})
	}
}

// TestWriteSyntheticPreview writes a generated preview for measuring the
// platform CLI on it (`PLATFORM_SYNTH_PREVIEW=path:n`); the README's
// figures come from it. Without the variable it is skipped.
func TestWriteSyntheticPreview(t *testing.T) {
	target := os.Getenv("PLATFORM_SYNTH_PREVIEW")
	if target == "" {
		t.Skip("set PLATFORM_SYNTH_PREVIEW=path:resources to write a synthetic preview")
	}
	path, count, ok := strings.Cut(target, ":")
	n, err := strconv.Atoi(count)
	require.True(t, ok && err == nil, "PLATFORM_SYNTH_PREVIEW is path:resources, got %q", target)
	doc := synthPreview(n)
	require.NoError(t, os.WriteFile(path, doc, 0o644))
	rs, err := FromPreviewJSON(doc)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(rs), n)
}
