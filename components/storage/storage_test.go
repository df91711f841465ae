package storage

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

const (
	dataKey    = "arn:aws:kms:us-east-1:111122223333:key/data"
	replicaKey = "arn:aws:kms:us-west-2:111122223333:key/replica"
)

// planBuckets plans an access-log bucket, a replica in us-west-2 and a
// source bucket configured by mutate, the way the primary stack wires them.
func planBuckets(t *testing.T, mutate func(*BucketArgs)) *plan.Plan {
	t.Helper()
	return plantest.Run(t, func(ctx *pulumi.Context) error {
		east, err := plantest.Provider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		west, err := plantest.Provider(ctx, "us-west-2")
		if err != nil {
			return err
		}
		logs, err := NewBucket(ctx, "access-logs", &BucketArgs{
			Namer: plantest.Namer("us-east-1"), Purpose: "access-logs", AccessLogTarget: true, Protect: true,
			Lifecycle: Lifecycle{ExpirationDays: 400},
		}, east)
		if err != nil {
			return err
		}
		replica, err := NewBucket(ctx, "data-replica", &BucketArgs{
			Namer: plantest.Namer("us-west-2"), Purpose: "data-replica", KmsKeyArn: pulumi.String(replicaKey),
			AccessLogBucket: pulumi.String("replica-logs"), Protect: true,
		}, west)
		if err != nil {
			return err
		}
		args := &BucketArgs{
			Namer: plantest.Namer("us-east-1"), Purpose: "data", KmsKeyArn: pulumi.String(dataKey),
			AccessLogBucket: logs.BucketName, Protect: true, Tags: map[string]string{"backup": "true"},
			Replication: &Replication{Destination: replica, DestinationKmsKeyArn: pulumi.String(replicaKey), DestinationRegion: "us-west-2"},
		}
		if mutate != nil {
			mutate(args)
		}
		_, err = NewBucket(ctx, "data", args, east)
		return err
	})
}

func childTypes(p *plan.Plan, name string) map[string]int {
	return p.ChildTypes("platform:storage:Bucket", name)
}

func TestBucketChildren(t *testing.T) {
	p := planBuckets(t, nil)
	common := map[string]int{
		"aws:s3/bucketV2:BucketV2":                                                                   1,
		"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     1,
		"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     1,
		"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               1,
		"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": 1,
		"aws:s3/bucketPolicy:BucketPolicy":                                                           1,
		"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       1,
	}
	assert.Equal(t, common, childTypes(p, "access-logs"), "the log target does not log to itself")

	replica := clone(common)
	replica["aws:s3/bucketLoggingV2:BucketLoggingV2"] = 1
	assert.Equal(t, replica, childTypes(p, "data-replica"))

	data := clone(replica)
	data["aws:iam/role:Role"] = 1
	data["aws:iam/rolePolicy:RolePolicy"] = 1
	data["aws:s3/bucketReplicationConfig:BucketReplicationConfig"] = 1
	assert.Equal(t, data, childTypes(p, "data"))
}

func clone(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestBucketSecurityInputs(t *testing.T) {
	p := planBuckets(t, nil)
	bucket, ok := p.Named("aws:s3/bucketV2:BucketV2", "data")
	require.True(t, ok)
	assert.Equal(t, "platform-prod-use1-data-111122223333", bucket.Inputs["bucket"])
	assert.Equal(t, false, bucket.Inputs["forceDestroy"])
	assert.True(t, bucket.Protect, "protected under the switch")
	assert.True(t, bucket.RetainOnDelete, "never deleted with the program")
	assert.Equal(t, "true", plantest.Input(bucket, "tags", "backup"))

	pab, _ := p.Named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "data")
	for _, flag := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		assert.Equal(t, true, pab.Inputs[flag], flag)
	}
	own, _ := p.Named("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "data")
	assert.Equal(t, "BucketOwnerEnforced", plantest.Input(own, "rule", "objectOwnership"))

	ver, _ := p.Named("aws:s3/bucketVersioningV2:BucketVersioningV2", "data")
	assert.Equal(t, "Enabled", plantest.Input(ver, "versioningConfiguration", "status"))

	sse, _ := p.Named("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "data")
	assert.Equal(t, "aws:kms", plantest.Input(sse, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
	assert.Equal(t, dataKey, plantest.Input(sse, "rules", 0, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"))
	assert.Equal(t, true, plantest.Input(sse, "rules", 0, "bucketKeyEnabled"))

	logging, _ := p.Named("aws:s3/bucketLoggingV2:BucketLoggingV2", "data")
	assert.Equal(t, "platform-prod-use1-access-logs-111122223333", logging.Inputs["targetBucket"])
	assert.Equal(t, "platform-prod-use1-data-111122223333/", logging.Inputs["targetPrefix"])
}

func TestBucketPolicyDeniesInsecureTransport(t *testing.T) {
	p := planBuckets(t, nil)
	pol, ok := p.Named("aws:s3/bucketPolicy:BucketPolicy", "data")
	require.True(t, ok)
	var doc struct {
		Statement []struct {
			Sid       string
			Effect    string
			Principal any
			Resource  []string
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(pol.Inputs["policy"].(string)), &doc))
	require.Len(t, doc.Statement, 2)
	tls := doc.Statement[0]
	assert.Equal(t, "Deny", tls.Effect)
	assert.Equal(t, "false", tls.Condition["Bool"]["aws:SecureTransport"])
	assert.Equal(t, []string{"arn:aws:s3:::platform-prod-use1-data-111122223333", "arn:aws:s3:::platform-prod-use1-data-111122223333/*"}, tls.Resource)
	assert.Equal(t, "1.2", doc.Statement[1].Condition["NumericLessThan"]["s3:TlsVersion"])
	for _, st := range doc.Statement {
		if st.Principal == "*" {
			assert.Equal(t, "Deny", st.Effect, "a wildcard principal only ever in a Deny")
		}
	}
}

func TestAccessLogTarget(t *testing.T) {
	p := planBuckets(t, nil)
	sse, _ := p.Named("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "access-logs")
	assert.Equal(t, "AES256", plantest.Input(sse, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"), "S3 delivers access logs only to SSE-S3 buckets")
	pol, _ := p.Named("aws:s3/bucketPolicy:BucketPolicy", "access-logs")
	var doc struct {
		Statement []struct {
			Sid       string
			Principal map[string]string
			Condition map[string]map[string]string
		}
	}
	// The first two statements have a string principal; decode leniently.
	raw := pol.Inputs["policy"].(string)
	var generic struct{ Statement []json.RawMessage }
	require.NoError(t, json.Unmarshal([]byte(raw), &generic))
	require.Len(t, generic.Statement, 3)
	require.NoError(t, json.Unmarshal([]byte(`{"Statement":[`+string(generic.Statement[2])+`]}`), &doc))
	assert.Equal(t, "logging.s3.amazonaws.com", doc.Statement[0].Principal["Service"])
	assert.Equal(t, "111122223333", doc.Statement[0].Condition["StringEquals"]["aws:SourceAccount"])
	lc, _ := p.Named("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "access-logs")
	assert.Equal(t, 400.0, plantest.Input(lc, "rules", 0, "expiration", "days"))
}

func TestLifecycle(t *testing.T) {
	p := planBuckets(t, nil)
	lc, ok := p.Named("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "data")
	require.True(t, ok)
	assert.Equal(t, "Enabled", plantest.Input(lc, "rules", 0, "status"))
	assert.Equal(t, 30.0, plantest.Input(lc, "rules", 0, "transitions", 0, "days"))
	assert.Equal(t, "STANDARD_IA", plantest.Input(lc, "rules", 0, "transitions", 0, "storageClass"))
	assert.Equal(t, 90.0, plantest.Input(lc, "rules", 0, "transitions", 1, "days"))
	assert.Equal(t, "GLACIER", plantest.Input(lc, "rules", 0, "transitions", 1, "storageClass"))
	assert.Equal(t, 365.0, plantest.Input(lc, "rules", 0, "noncurrentVersionExpiration", "noncurrentDays"))
	assert.Equal(t, 7.0, plantest.Input(lc, "rules", 0, "abortIncompleteMultipartUpload", "daysAfterInitiation"))
	assert.Nil(t, plantest.Input(lc, "rules", 0, "expiration"), "data is kept")
	assert.Contains(t, lc.DependsOn, findURN(t, p, "aws:s3/bucketVersioningV2:BucketVersioningV2", "data"))
}

// TestHotLifecycle: a store read at query time is never tiered, and
// expires what its own retention already deleted.
func TestHotLifecycle(t *testing.T) {
	p := planBuckets(t, func(a *BucketArgs) {
		a.Lifecycle.Hot, a.Lifecycle.ExpirationDays, a.Lifecycle.NoncurrentVersionExpirationDays = true, 45, 7
	})
	lc, ok := p.Named("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "data")
	require.True(t, ok)
	assert.Nil(t, plantest.Input(lc, "rules", 0, "transitions"), "no Standard-IA, no Glacier")
	assert.Nil(t, plantest.Input(lc, "rules", 0, "noncurrentVersionTransitions"))
	assert.Equal(t, 45.0, plantest.Input(lc, "rules", 0, "expiration", "days"))
	assert.Equal(t, 7.0, plantest.Input(lc, "rules", 0, "noncurrentVersionExpiration", "noncurrentDays"))
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		_, err := NewBucket(ctx, "hot", &BucketArgs{
			Namer: plantest.Namer("us-east-1"), Purpose: "loki", KmsKeyArn: pulumi.String("k"), AccessLogBucket: pulumi.String("logs"),
			Lifecycle: Lifecycle{Hot: true},
		})
		return err
	}, "lifecycle.expirationDays: a hot bucket (no tiering) must expire its objects")
}

func TestObjectLock(t *testing.T) {
	p := planBuckets(t, func(a *BucketArgs) { a.ObjectLockRetentionDays = 365; a.Replication = nil })
	bucket, _ := p.Named("aws:s3/bucketV2:BucketV2", "data")
	assert.Equal(t, true, bucket.Inputs["objectLockEnabled"])
	lock, ok := p.Named("aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2", "data")
	require.True(t, ok)
	assert.Equal(t, "GOVERNANCE", plantest.Input(lock, "rule", "defaultRetention", "mode"))
	assert.Equal(t, 365.0, plantest.Input(lock, "rule", "defaultRetention", "days"))

	plain := planBuckets(t, nil)
	b, _ := plain.Named("aws:s3/bucketV2:BucketV2", "data")
	assert.Equal(t, false, b.Inputs["objectLockEnabled"])
	assert.Empty(t, plain.OfType("aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"))
}

func TestReplication(t *testing.T) {
	p := planBuckets(t, nil)
	rc, ok := p.Named("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "data")
	require.True(t, ok)
	rule := func(path ...any) any { return plantest.Input(rc, append([]any{"rules", 0}, path...)...) }
	assert.Equal(t, "Enabled", rule("status"))
	assert.Equal(t, "Enabled", rule("deleteMarkerReplication", "status"))
	assert.Equal(t, "Enabled", rule("sourceSelectionCriteria", "sseKmsEncryptedObjects", "status"))
	assert.Equal(t, "arn:aws:s3:::platform-prod-usw2-data-replica-111122223333", rule("destination", "bucket"))
	assert.Equal(t, replicaKey, rule("destination", "encryptionConfiguration", "replicaKmsKeyId"))
	assert.Equal(t, 15.0, rule("destination", "replicationTime", "time", "minutes"))
	assert.Equal(t, "arn:aws:iam::111122223333:role/platform-prod-use1-data-replication", rc.Inputs["role"])
	// Replication waits for versioning on both sides.
	assert.Contains(t, rc.DependsOn, findURN(t, p, "aws:s3/bucketVersioningV2:BucketVersioningV2", "data"))
	assert.Contains(t, rc.DependsOn, findURN(t, p, "aws:s3/bucketVersioningV2:BucketVersioningV2", "data-replica"))

	replicaBucket, _ := p.Named("aws:s3/bucketV2:BucketV2", "data-replica")
	source, _ := p.Named("aws:s3/bucketV2:BucketV2", "data")
	assert.NotEqual(t, source.Provider, replicaBucket.Provider, "the replica lives in the DR region's provider")

	pol, _ := p.Named("aws:iam/rolePolicy:RolePolicy", "data-replication")
	var doc struct {
		Statement []struct {
			Sid       string
			Action    any
			Resource  string
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(pol.Inputs["policy"].(string)), &doc))
	bySid := map[string]string{}
	for _, st := range doc.Statement {
		bySid[st.Sid] = st.Resource
		assert.NotEqual(t, "*", st.Resource, "least privilege: %s names its resource", st.Sid)
	}
	assert.Equal(t, "arn:aws:s3:::platform-prod-use1-data-111122223333", bySid["ReadSourceConfiguration"])
	assert.Equal(t, "arn:aws:s3:::platform-prod-usw2-data-replica-111122223333/*", bySid["WriteReplicas"])
	assert.Equal(t, dataKey, bySid["DecryptSource"])
	assert.Equal(t, replicaKey, bySid["EncryptReplicas"])
}

func findURN(t *testing.T, p *plan.Plan, typ, name string) string {
	t.Helper()
	r, ok := p.Named(typ, name)
	require.True(t, ok, "%s %s", typ, name)
	return r.URN
}

func TestBucketValidation(t *testing.T) {
	tests := []struct {
		name string
		args BucketArgs
		want string
	}{
		{"no key", BucketArgs{Namer: plantest.Namer("us-east-1"), Purpose: "data", AccessLogBucket: pulumi.String("l")}, "kmsKeyArn: is required"},
		{"no access logging", BucketArgs{Namer: plantest.Namer("us-east-1"), Purpose: "data", KmsKeyArn: pulumi.String(dataKey)}, "accessLogBucket: is required"},
		{"bad purpose", BucketArgs{Namer: plantest.Namer("us-east-1"), Purpose: "Data!", AccessLogTarget: true}, `purpose: must be 1-21 lower-case letters, digits and hyphens, got "Data!"`},
		{"locked log target", BucketArgs{Namer: plantest.Namer("us-east-1"), Purpose: "logs", AccessLogTarget: true, ObjectLockRetentionDays: 30}, "objectLockRetentionDays: an access log target cannot have a default retention"},
		{"expiry before lock", BucketArgs{Namer: plantest.Namer("us-east-1"), Purpose: "audit", KmsKeyArn: pulumi.String(dataKey), AccessLogBucket: pulumi.String("l"), ObjectLockRetentionDays: 400}, "lifecycle.noncurrentVersionExpirationDays: must be at least objectLockRetentionDays (400), got 365"},
		{"replica in same region", BucketArgs{Namer: plantest.Namer("us-east-1"), Purpose: "data", KmsKeyArn: pulumi.String(dataKey), AccessLogBucket: pulumi.String("l"),
			Replication: &Replication{Destination: &Bucket{}, DestinationKmsKeyArn: pulumi.String(replicaKey), DestinationRegion: "us-east-1"}}, `replication.destinationRegion: must be another region than "us-east-1", got "us-east-1"`},
		{"short IA", BucketArgs{Namer: plantest.Namer("us-east-1"), Purpose: "data", KmsKeyArn: pulumi.String(dataKey), AccessLogBucket: pulumi.String("l"), Lifecycle: Lifecycle{TransitionToIADays: 5}}, "lifecycle.transitionToIaDays: must be at least 30 (the S3 minimum), got 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := plantest.RunErr(func(ctx *pulumi.Context) error {
				_, err := NewBucket(ctx, "b", &tt.args)
				return err
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "storage b: ")
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, p.Resources, "bad args register nothing")
		})
	}
}

func TestServiceWriters(t *testing.T) {
	doc := BucketPolicy(plantest.Namer("us-east-1"), "arn:aws:s3:::audit", false,
		ServiceWriter{Service: "cloudtrail.amazonaws.com", Prefix: "cloudtrail"},
		ServiceWriter{Service: "config.amazonaws.com", Prefix: "config"})
	var parsed struct {
		Statement []struct {
			Sid       string
			Principal any
			Resource  any
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(doc.JSON()), &parsed))
	require.Len(t, parsed.Statement, 6, "two TLS denies, then a check and a write per service")
	write := parsed.Statement[3]
	assert.Equal(t, "AllowCloudtrailWrite", write.Sid)
	assert.Equal(t, "arn:aws:s3:::audit/cloudtrail/AWSLogs/111122223333/*", write.Resource)
	assert.Equal(t, "111122223333", write.Condition["StringEquals"]["aws:SourceAccount"], "only this account's trails")
	assert.Equal(t, "arn:aws:s3:::audit/config/AWSLogs/111122223333/*", parsed.Statement[5].Resource)
}

func TestLoadBalancerLogs(t *testing.T) {
	// us-east-1 predates the log-delivery principal: its ELB account writes.
	doc := BucketPolicy(plantest.Namer("us-east-1"), "arn:aws:s3:::logs", true, LoadBalancerLogs("us-east-1", "alb/api"))
	last := doc.Statement[len(doc.Statement)-1]
	assert.Equal(t, "AllowLoadBalancerLogs", last.Sid)
	assert.Equal(t, map[string]any{"AWS": "arn:aws:iam::127311923021:root"}, last.Principal)
	assert.Equal(t, "s3:PutObject", last.Action)
	assert.Equal(t, "arn:aws:s3:::logs/alb/api/AWSLogs/111122223333/*", last.Resource, "only under the load balancer's prefix, for this account")
	assert.Equal(t, "797873946194", LoadBalancerLogs("us-west-2", "alb").Account)

	// Newer regions deliver through the service principal, for this
	// account only.
	doc = BucketPolicy(plantest.Namer("ap-southeast-5"), "arn:aws:s3:::logs", true, LoadBalancerLogs("ap-southeast-5", "alb/api"))
	last = doc.Statement[len(doc.Statement)-1]
	assert.Equal(t, map[string]any{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}, last.Principal)
	assert.Equal(t, "arn:aws:s3:::logs/alb/api/AWSLogs/111122223333/*", last.Resource)
	assert.Equal(t, "111122223333", last.Condition["StringEquals"]["aws:SourceAccount"])
}
