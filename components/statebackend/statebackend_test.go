package statebackend_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/components/statebackend"
	"platform/internal/plan"
	"platform/internal/plantest"
	"platform/policies"
)

// Resource types the backend creates.
const (
	tBackend     = "platform:statebackend:Backend"
	tKeys        = "platform:kms:Keys"
	tBucket      = "platform:storage:Bucket"
	tKey         = "aws:kms/key:Key"
	tReplicaKey  = "aws:kms/replicaKey:ReplicaKey"
	tAlias       = "aws:kms/alias:Alias"
	tBucketV2    = "aws:s3/bucketV2:BucketV2"
	tPAB         = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tOwnership   = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tVersioning  = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tSSE         = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tPolicy      = "aws:s3/bucketPolicy:BucketPolicy"
	tLifecycle   = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tLogging     = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	tReplication = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
	tRole        = "aws:iam/role:Role"
	tRolePolicy  = "aws:iam/rolePolicy:RolePolicy"

	eastProvider = "pulumi:providers:aws::aws-us-east-1"
	westProvider = "pulumi:providers:aws::aws-us-west-2"
)

// Physical names and ARNs of the test account (plantest.Account).
const (
	stateBucket   = "platform-prod-use1-pulumi-state-111122223333"
	replicaBucket = "platform-prod-usw2-pulumi-state-replica-111122223333"
	logBucket     = "platform-prod-use1-state-access-logs-111122223333"
	drLogBucket   = "platform-prod-usw2-state-access-logs-111122223333"
	secretsKeyArn = "arn:aws:kms:us-east-1:111122223333:key/pulumi-secrets-id"
	stateKeyArn   = "arn:aws:kms:us-east-1:111122223333:key/pulumi-kms-pulumi-state-id"
	drStateKeyArn = "arn:aws:kms:us-west-2:111122223333:key/pulumi-kms-replica-pulumi-state-id"
)

func validArgs() *statebackend.BackendArgs {
	return &statebackend.BackendArgs{Namer: plantest.Namer("us-east-1"), DRRegion: "us-west-2", Protect: true}
}

// run plans the backend with a provider per region, as Program creates
// them, and returns its outputs as the plan's outputs. mutate edits the
// args; dropDR leaves the DR provider out.
func run(mutate func(*statebackend.BackendArgs), dropDR bool) (*plan.Plan, error) {
	return plan.Run(plan.Options{Project: plantest.Project, Stack: plantest.Stack}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		home, err := plantest.Provider(ctx, "us-east-1")
		if err != nil {
			return nil, err
		}
		args := validArgs()
		if mutate != nil {
			mutate(args)
		}
		if !dropDR {
			dr, err := aws.NewProvider(ctx, "aws-us-west-2", &aws.ProviderArgs{
				Region:            pulumi.String("us-west-2"),
				AllowedAccountIds: pulumi.StringArray{pulumi.String(plantest.Account)},
			})
			if err != nil {
				return nil, err
			}
			args.DRProvider = dr
		}
		b, err := statebackend.NewBackend(ctx, "pulumi", args, home)
		if err != nil {
			return nil, err
		}
		return b.Outputs(), nil
	})
}

func planBackend(t *testing.T, mutate func(*statebackend.BackendArgs)) *plan.Plan {
	t.Helper()
	p, err := run(mutate, false)
	require.NoError(t, err)
	return p
}

type statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

func document(t *testing.T, r plan.Resource, key string) []statement {
	t.Helper()
	var doc struct{ Statement []statement }
	s, ok := r.Inputs[key].(string)
	require.True(t, ok, "%s.%s is a known JSON document", r.Name, key)
	require.NoError(t, json.Unmarshal([]byte(s), &doc))
	return doc.Statement
}

// rootOnly asserts a key policy grants kms:* to the account root and
// nothing to anyone else.
func rootOnly(t *testing.T, r plan.Resource) {
	t.Helper()
	st := document(t, r, "policy")
	require.Len(t, st, 1, "%s: only the account root's statement", r.Name)
	assert.Equal(t, "Allow", st[0].Effect)
	assert.Equal(t, map[string]any{"AWS": "arn:aws:iam::111122223333:root"}, st[0].Principal)
	assert.Equal(t, "kms:*", st[0].Action)
}

func TestBackendChildren(t *testing.T) {
	p := planBackend(t, nil)
	assert.Equal(t, map[string]int{
		tKey: 1, tReplicaKey: 1, tAlias: 2, tKeys: 2, tBucket: 4,
	}, p.ChildTypes(tBackend, "pulumi"))

	bucket := map[string]int{tBucketV2: 1, tOwnership: 1, tPAB: 1, tVersioning: 1, tSSE: 1, tPolicy: 1, tLifecycle: 1}
	logTarget := clone(bucket)
	assert.Equal(t, logTarget, p.ChildTypes(tBucket, "pulumi-access-logs"), "the log target does not log to itself")
	assert.Equal(t, logTarget, p.ChildTypes(tBucket, "pulumi-replica-access-logs"))
	replica := clone(bucket)
	replica[tLogging] = 1
	assert.Equal(t, replica, p.ChildTypes(tBucket, "pulumi-state-replica"))
	state := clone(replica)
	state[tRole], state[tRolePolicy], state[tReplication] = 1, 1, 1
	assert.Equal(t, state, p.ChildTypes(tBucket, "pulumi-state"))

	assert.Equal(t, map[string]int{tKey: 1, tAlias: 1}, p.ChildTypes(tKeys, "pulumi-kms"))
	assert.Equal(t, map[string]int{tKey: 1, tAlias: 1}, p.ChildTypes(tKeys, "pulumi-kms-replica"))

	// Nothing else: no lock table (Pulumi locks with objects in the bucket).
	for _, r := range p.Resources {
		assert.False(t, strings.HasPrefix(r.Type, "aws:dynamodb"), r.Name)
	}
}

func clone(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestRegions: the DR side takes the DR provider, everything else the
// home region's.
func TestRegions(t *testing.T) {
	p := planBackend(t, nil)
	west := map[string]bool{
		tReplicaKey + " pulumi-secrets-replica": true, tAlias + " pulumi-secrets-replica": true,
		tKey + " pulumi-kms-replica-pulumi-state": true, tAlias + " pulumi-kms-replica-pulumi-state": true,
	}
	for _, r := range p.Resources {
		if !strings.HasPrefix(r.Type, "aws:") {
			continue
		}
		wantWest := west[r.Type+" "+r.Name] || r.Name == "pulumi-state-replica" || r.Name == "pulumi-replica-access-logs"
		if wantWest {
			assert.Contains(t, r.Provider, westProvider, "%s %s is in the DR region", r.Type, r.Name)
		} else {
			assert.Contains(t, r.Provider, eastProvider, "%s %s is in the home region", r.Type, r.Name)
		}
	}
}

func TestSecretsKey(t *testing.T) {
	p := planBackend(t, nil)
	key := plantest.Named(t, p, tKey, "pulumi-secrets")
	assert.Equal(t, true, key.Inputs["multiRegion"], "a multi-Region primary: its replica decrypts in the DR region")
	assert.Equal(t, true, key.Inputs["enableKeyRotation"])
	assert.Equal(t, 365.0, key.Inputs["rotationPeriodInDays"])
	assert.Equal(t, 30.0, key.Inputs["deletionWindowInDays"])
	assert.Equal(t, "SYMMETRIC_DEFAULT", key.Inputs["customerMasterKeySpec"])
	assert.Equal(t, "ENCRYPT_DECRYPT", key.Inputs["keyUsage"])
	assert.True(t, key.Protect)
	assert.True(t, key.RetainOnDelete)
	rootOnly(t, key)

	alias := plantest.Named(t, p, tAlias, "pulumi-secrets")
	assert.Equal(t, "alias/platform-prod-use1-pulumi-secrets", alias.Inputs["name"])
	assert.Equal(t, "pulumi-secrets-id", alias.Inputs["targetKeyId"])

	replica := plantest.Named(t, p, tReplicaKey, "pulumi-secrets-replica")
	assert.Equal(t, secretsKeyArn, replica.Inputs["primaryKeyArn"])
	assert.Equal(t, 30.0, replica.Inputs["deletionWindowInDays"])
	assert.True(t, replica.Protect)
	assert.True(t, replica.RetainOnDelete)
	rootOnly(t, replica)

	drAlias := plantest.Named(t, p, tAlias, "pulumi-secrets-replica")
	assert.Equal(t, "alias/platform-prod-usw2-pulumi-secrets", drAlias.Inputs["name"])
	assert.Contains(t, drAlias.PropertyDependencies["targetKeyId"], replica.URN)
}

func TestStateKeys(t *testing.T) {
	p := planBackend(t, nil)
	for name, alias := range map[string]string{
		"pulumi-kms-pulumi-state":         "alias/platform-prod-use1-pulumi-state",
		"pulumi-kms-replica-pulumi-state": "alias/platform-prod-usw2-pulumi-state-replica",
	} {
		key := plantest.Named(t, p, tKey, name)
		assert.Equal(t, true, key.Inputs["enableKeyRotation"], name)
		assert.Equal(t, 30.0, key.Inputs["deletionWindowInDays"], name)
		assert.True(t, key.Protect, name)
		assert.True(t, key.RetainOnDelete, name)
		assert.Nil(t, key.Inputs["multiRegion"], "%s: S3 re-encrypts replicas, a regional key suffices", name)
		rootOnly(t, key)
		assert.Equal(t, alias, plantest.Named(t, p, tAlias, name).Inputs["name"])
	}
}

func TestStateBucket(t *testing.T) {
	p := planBackend(t, nil)
	for name, want := range map[string]struct{ bucket, key, logs string }{
		"pulumi-state":         {stateBucket, stateKeyArn, logBucket},
		"pulumi-state-replica": {replicaBucket, drStateKeyArn, drLogBucket},
	} {
		bucket := plantest.Named(t, p, tBucketV2, name)
		assert.Equal(t, want.bucket, bucket.Inputs["bucket"])
		assert.Equal(t, false, bucket.Inputs["forceDestroy"], name)
		assert.True(t, bucket.Protect, name)
		assert.True(t, bucket.RetainOnDelete, name)

		ver := plantest.Named(t, p, tVersioning, name)
		assert.Equal(t, "Enabled", plantest.Input(ver, "versioningConfiguration", "status"), name)

		sse := plantest.Named(t, p, tSSE, name)
		assert.Equal(t, "aws:kms", plantest.Input(sse, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"), name)
		assert.Equal(t, want.key, plantest.Input(sse, "rules", 0, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"), name)

		pab := plantest.Named(t, p, tPAB, name)
		for _, flag := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			assert.Equal(t, true, pab.Inputs[flag], "%s %s", name, flag)
		}
		assert.Equal(t, "BucketOwnerEnforced", plantest.Input(plantest.Named(t, p, tOwnership, name), "rule", "objectOwnership"), name)

		st := document(t, plantest.Named(t, p, tPolicy, name), "policy")
		require.Len(t, st, 2, "%s: TLS-only, nothing granted", name)
		assert.Equal(t, "Deny", st[0].Effect)
		assert.Equal(t, "false", st[0].Condition["Bool"]["aws:SecureTransport"])
		assert.Equal(t, "1.2", st[1].Condition["NumericLessThan"]["s3:TlsVersion"])

		logging := plantest.Named(t, p, tLogging, name)
		assert.Equal(t, want.logs, logging.Inputs["targetBucket"], name)

		// A year of state history; current state is never archived out of
		// instant reach and never expires.
		rule := plantest.Named(t, p, tLifecycle, name)
		assert.Equal(t, "Enabled", plantest.Input(rule, "rules", 0, "status"))
		assert.Equal(t, 365.0, plantest.Input(rule, "rules", 0, "noncurrentVersionExpiration", "noncurrentDays"), name)
		assert.Equal(t, 7.0, plantest.Input(rule, "rules", 0, "abortIncompleteMultipartUpload", "daysAfterInitiation"), name)
		assert.Nil(t, plantest.Input(rule, "rules", 0, "expiration"), "%s: current state never expires", name)
		for i := 0; i < 2; i++ {
			class := plantest.Input(rule, "rules", 0, "transitions", i, "storageClass")
			days := plantest.Input(rule, "rules", 0, "transitions", i, "days").(float64)
			if class == "GLACIER" {
				assert.GreaterOrEqual(t, days, 36500.0, "%s: the CLI reads current state in place", name)
			} else {
				assert.Equal(t, "STANDARD_IA", class)
			}
		}
	}

	rc := plantest.Named(t, p, tReplication, "pulumi-state")
	assert.Equal(t, "Enabled", plantest.Input(rc, "rules", 0, "status"))
	assert.Equal(t, "Enabled", plantest.Input(rc, "rules", 0, "deleteMarkerReplication", "status"))
	assert.Equal(t, "Enabled", plantest.Input(rc, "rules", 0, "sourceSelectionCriteria", "sseKmsEncryptedObjects", "status"))
	assert.Equal(t, "arn:aws:s3:::"+replicaBucket, plantest.Input(rc, "rules", 0, "destination", "bucket"))
	assert.Equal(t, drStateKeyArn, plantest.Input(rc, "rules", 0, "destination", "encryptionConfiguration", "replicaKmsKeyId"))
	assert.Equal(t, 15.0, plantest.Input(rc, "rules", 0, "destination", "replicationTime", "time", "minutes"))
	_, replicated := p.Named(tReplication, "pulumi-state-replica")
	assert.False(t, replicated, "the replica is not replicated onward")
}

func TestAccessLogBuckets(t *testing.T) {
	p := planBackend(t, nil)
	for name, bucket := range map[string]string{"pulumi-access-logs": logBucket, "pulumi-replica-access-logs": drLogBucket} {
		b := plantest.Named(t, p, tBucketV2, name)
		assert.Equal(t, bucket, b.Inputs["bucket"])
		assert.True(t, b.Protect, name)
		assert.True(t, b.RetainOnDelete, name)
		sse := plantest.Named(t, p, tSSE, name)
		assert.Equal(t, "AES256", plantest.Input(sse, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"), "S3 delivers access logs only to SSE-S3 buckets")
		assert.Equal(t, "Enabled", plantest.Input(plantest.Named(t, p, tVersioning, name), "versioningConfiguration", "status"))
		assert.Equal(t, 400.0, plantest.Input(plantest.Named(t, p, tLifecycle, name), "rules", 0, "expiration", "days"), name)
		st := document(t, plantest.Named(t, p, tPolicy, name), "policy")
		assert.Equal(t, "false", st[0].Condition["Bool"]["aws:SecureTransport"])
	}
}

func TestOutputs(t *testing.T) {
	p := planBackend(t, nil)
	assert.Equal(t, map[string]any{
		"backendUrl":         "s3://" + stateBucket + "?region=us-east-1&awssdk=v2",
		"drBackendUrl":       "s3://" + replicaBucket + "?region=us-west-2&awssdk=v2",
		"secretsProvider":    "awskms://alias/platform-prod-use1-pulumi-secrets?region=us-east-1",
		"drSecretsProvider":  "awskms://alias/platform-prod-usw2-pulumi-secrets?region=us-west-2",
		"stateBucket":        stateBucket,
		"replicaBucket":      replicaBucket,
		"accessLogBucket":    logBucket,
		"drAccessLogBucket":  drLogBucket,
		"secretsKeyArn":      secretsKeyArn,
		"stateKeyArn":        stateKeyArn,
		"stateReplicaKeyArn": drStateKeyArn,
	}, without(p.Outputs, "secretsReplicaKeyArn"))
	assert.Contains(t, p.Outputs["secretsReplicaKeyArn"], "arn:aws:kms:us-west-2:111122223333:", "the replica key is in the DR region")
}

func without(m map[string]any, key string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func TestUnprotected(t *testing.T) {
	p := planBackend(t, func(a *statebackend.BackendArgs) {
		a.Protect = false
		a.DeletionWindowDays = 7
		a.StateHistoryDays = 730
	})
	for _, r := range []plan.Resource{
		plantest.Named(t, p, tKey, "pulumi-secrets"), plantest.Named(t, p, tReplicaKey, "pulumi-secrets-replica"),
		plantest.Named(t, p, tKey, "pulumi-kms-pulumi-state"), plantest.Named(t, p, tBucketV2, "pulumi-state"), plantest.Named(t, p, tBucketV2, "pulumi-state-replica"),
	} {
		assert.False(t, r.Protect, r.Name)
		assert.True(t, r.RetainOnDelete, "%s is retained whatever the switch", r.Name)
	}
	assert.Equal(t, 7.0, plantest.Named(t, p, tKey, "pulumi-secrets").Inputs["deletionWindowInDays"])
	assert.Equal(t, 730.0, plantest.Input(plantest.Named(t, p, tLifecycle, "pulumi-state"), "rules", 0, "noncurrentVersionExpiration", "noncurrentDays"))
}

func TestInvalidArgs(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*statebackend.BackendArgs)
		dropDR bool
		want   []string
	}{
		{"no namer", func(a *statebackend.BackendArgs) { a.Namer.AccountID = "" }, false, []string{"namer: account id and region are required"}},
		{"no DR provider", nil, true, []string{"drProvider: is required"}},
		{"no DR region", func(a *statebackend.BackendArgs) { a.DRRegion = "" }, false, []string{`drRegion: must be another region than "us-east-1"`}},
		{"DR region is home", func(a *statebackend.BackendArgs) { a.DRRegion = "us-east-1" }, false, []string{"drRegion: must be another region"}},
		{"deletion window", func(a *statebackend.BackendArgs) { a.DeletionWindowDays = 3 }, false, []string{"deletionWindowDays: must be between 7 and 30, got 3"}},
		{"short history", func(a *statebackend.BackendArgs) { a.StateHistoryDays = 90 }, false, []string{"stateHistoryDays: must be at least 365", "got 90"}},
		{"short access logs", func(a *statebackend.BackendArgs) { a.AccessLogExpirationDays = 30 }, false, []string{"accessLogExpirationDays: must be at least 365, got 30"}},
		{"every problem at once", func(a *statebackend.BackendArgs) {
			a.DRRegion, a.DeletionWindowDays, a.StateHistoryDays = "", 31, 1
		}, true, []string{"drProvider:", "drRegion:", "deletionWindowDays:", "stateHistoryDays:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := run(tt.mutate, tt.dropDR)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			for _, r := range p.Resources {
				assert.True(t, strings.HasPrefix(r.Type, "pulumi:providers:"), "bad args registered %s %s", r.Type, r.Name)
			}
		})
	}
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		_, err := statebackend.NewBackend(ctx, "pulumi", nil)
		return err
	}, "namer:", "drProvider:", "drRegion:")
}

func evaluate(t *testing.T, p *plan.Plan) *policies.Report {
	t.Helper()
	cfg, err := policies.PlatformConfig()
	require.NoError(t, err)
	return policies.Evaluate(policies.FromPlan(p), policies.Options{
		Config: cfg, Project: "platform-bootstrap", Stack: "production",
		StackURN: "urn:pulumi:production::platform-bootstrap::pulumi:pulumi:Stack::platform-bootstrap-production",
	})
}

// assertPasses: no violation (mandatory or advisory) and nothing
// undecided; the only waived findings are the access-log buckets' (SSE-S3,
// no Object Lock, no self-logging), under policies/pack.yaml's waivers.
func assertPasses(t *testing.T, p *plan.Plan) {
	t.Helper()
	r := evaluate(t, p)
	assert.False(t, r.HasMandatory())
	for _, v := range r.Violations {
		t.Errorf("violation %s on %s: %s", v.Policy, v.Name, v.Message)
	}
	assert.Empty(t, r.Undecided)
	var waived []string
	for _, w := range r.Waived {
		waived = append(waived, w.Policy+" "+w.Name)
	}
	var want []string
	for _, policy := range []string{"s3-kms-encryption", "s3-object-lock-audit", "s3-access-logging"} {
		want = append(want, policy+" pulumi-access-logs", policy+" pulumi-replica-access-logs")
	}
	assert.ElementsMatch(t, want, waived)
}

func TestPassesThePolicyPack(t *testing.T) {
	assertPasses(t, planBackend(t, nil))
}

// TestPolicyPackSeesTheBackend: the pack judges what the backend creates;
// its findings on an insecure copy of the plan prove the test above is
// not vacuous.
func TestPolicyPackSeesTheBackend(t *testing.T) {
	p := planBackend(t, nil)
	mutated := *p
	mutated.Resources = nil
	for _, r := range p.Resources {
		switch {
		case r.Type == tKey && r.Name == "pulumi-secrets":
			r.Inputs = clonemap(r.Inputs)
			r.Inputs["enableKeyRotation"] = false
		case r.Type == tPAB && r.Name == "pulumi-state":
			continue
		}
		mutated.Resources = append(mutated.Resources, r)
	}
	var found []string
	for _, v := range evaluate(t, &mutated).Violations {
		found = append(found, v.Policy+" "+v.Name)
	}
	assert.ElementsMatch(t, []string{"kms-key-rotation pulumi-secrets", "s3-public-access-block pulumi-state"}, found)
}

func clonemap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestBootstrapProgram plans bootstrap/ the way the CLI runs it:
// Pulumi.yaml and Pulumi.production.yaml loaded with the CLI's rules, the
// program main.go runs, its exports and the policy pack.
func TestBootstrapProgram(t *testing.T) {
	planner, err := plan.NewPlanner("../../bootstrap", statebackend.Program)
	require.NoError(t, err)
	assert.Equal(t, "platform-bootstrap", planner.Project.Name)
	for key, decl := range planner.Project.Declared {
		assert.NotEmpty(t, decl.Type, "%s declares its type", key)
		assert.NotEmpty(t, decl.Description, "%s has a description", key)
	}
	p, err := planner.Plan("production")
	require.NoError(t, err)

	assert.Equal(t, "s3://platform-prod-use1-pulumi-state-123456789012?region=us-east-1&awssdk=v2", p.Outputs["backendUrl"])
	assert.Equal(t, "awskms://alias/platform-prod-use1-pulumi-secrets?region=us-east-1", p.Outputs["secretsProvider"])
	assert.Equal(t, "awskms://alias/platform-prod-usw2-pulumi-secrets?region=us-west-2", p.Outputs["drSecretsProvider"])
	assert.Equal(t, "s3://platform-prod-usw2-pulumi-state-replica-123456789012?region=us-west-2&awssdk=v2", p.Outputs["drBackendUrl"])

	for _, region := range []string{"us-east-1", "us-west-2"} {
		prov := plantest.Named(t, p, "pulumi:providers:aws", "aws-"+region)
		assert.Equal(t, region, prov.Inputs["region"])
		assert.Equal(t, []any{"123456789012"}, prov.Inputs["allowedAccountIds"], "the providers touch only the configured account")
		assert.Equal(t, map[string]any{
			"environment": "production", "owner": "platform-team", "cost-center": "cc-platform-001",
			"data-classification": "restricted", "managed-by": "pulumi", "stack": "production", "project": "platform-bootstrap",
		}, plantest.Input(prov, "defaultTags", "tags"))
	}
	for _, r := range p.Resources {
		if strings.HasPrefix(r.Type, "aws:") {
			assert.NotContains(t, r.Provider, "::default", "%s %s takes an explicit provider", r.Type, r.Name)
		}
	}
	assert.True(t, plantest.Named(t, p, tBucketV2, "pulumi-state").Protect, "protect defaults to true")
	assert.True(t, plantest.Named(t, p, tKey, "pulumi-secrets").Protect)
	assertPasses(t, p)
}

func TestBootstrapConfig(t *testing.T) {
	valid := map[string]string{
		"region": "us-east-1", "accountId": "123456789012", "drRegion": "us-west-2",
		"tags": `{"environment":"production","owner":"platform-team","costCenter":"cc-1","dataClassification":"restricted"}`,
	}
	c, err := statebackend.ParseBootstrapConfig(valid)
	require.NoError(t, err)
	assert.Nil(t, c.Protect, "unset protect means true")
	assert.Equal(t, "platform-team", c.Tags.Owner)

	tests := []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"account", map[string]string{"accountId": "12345"}, []string{`accountId: must be the 12-digit AWS account id, got "12345"`}},
		{"region", map[string]string{"region": "useast"}, []string{"region: must be an AWS region"}},
		{"dr region missing", map[string]string{"drRegion": ""}, []string{"drRegion: must be another region"}},
		{"dr region is home", map[string]string{"drRegion": "us-east-1"}, []string{"drRegion: must be another region"}},
		{"unprotected production", map[string]string{"protect": "false"}, []string{"protect: must be true when tags.environment is production"}},
		{"tag missing", map[string]string{"tags": `{"environment":"production","owner":"","costCenter":"cc-1","dataClassification":"restricted"}`}, []string{"tags.owner: is required"}},
		{"classification", map[string]string{"tags": `{"environment":"production","owner":"o","costCenter":"cc-1","dataClassification":"secret"}`}, []string{"tags.dataClassification: must be one of"}},
		{"unknown tag field", map[string]string{"tags": `{"env":"production"}`}, []string{"tags: must be an object"}},
		{"not an integer", map[string]string{"stateHistoryDays": "a year"}, []string{`stateHistoryDays: must be an integer, got "a year"`}},
		{"short history", map[string]string{"stateHistoryDays": "30"}, []string{"stateHistoryDays: must be at least 365"}},
		{"key window", map[string]string{"deletionWindowDays": "45"}, []string{"deletionWindowDays: must be between 7 and 30, got 45"}},
		{"every problem at once", map[string]string{"accountId": "x", "region": "", "deletionWindowDays": "1"}, []string{"accountId:", "region:", "deletionWindowDays:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := clonestr(valid)
			for k, v := range tt.set {
				raw[k] = v
			}
			_, err := statebackend.ParseBootstrapConfig(raw)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestBootstrapBadConfigRegistersNothing: Program refuses bad config
// before it creates a provider.
func TestBootstrapBadConfigRegistersNothing(t *testing.T) {
	p, err := plan.Run(plan.Options{Project: "platform-bootstrap", Stack: "production", Config: map[string]string{
		"platform-bootstrap:region": "us-east-1", "platform-bootstrap:accountId": "123456789012", "platform-bootstrap:drRegion": "us-east-1",
		"platform-bootstrap:tags": `{"environment":"production","owner":"o","costCenter":"c","dataClassification":"restricted"}`,
	}}, statebackend.Program)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid stack config (Pulumi.production.yaml, namespace platform-bootstrap:)")
	assert.Contains(t, err.Error(), "drRegion: must be another region")
	assert.Empty(t, p.Resources)
}

func clonestr(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
