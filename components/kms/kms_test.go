package kms

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

func planKeys(t *testing.T, args *KeysArgs) *plan.Plan {
	t.Helper()
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		_, err := NewKeys(ctx, "kms", args, prov)
		return err
	})
}

func TestKeysChildren(t *testing.T) {
	p := planKeys(t, &KeysArgs{Namer: plantest.Namer("us-east-1"), Purposes: AllPurposes, Protect: true})

	comp, ok := p.Named("platform:kms:Keys", "kms")
	require.True(t, ok)
	children := p.Children(comp.URN)
	assert.Len(t, children, 10, "a key and an alias per purpose")
	assert.Len(t, p.OfType("aws:kms/key:Key"), 5)
	assert.Len(t, p.OfType("aws:kms/alias:Alias"), 5)

	for _, purpose := range AllPurposes {
		key, ok := p.Named("aws:kms/key:Key", "kms-"+string(purpose))
		require.True(t, ok, purpose)
		assert.Equal(t, comp.URN, key.Parent)
		assert.Equal(t, true, key.Inputs["enableKeyRotation"], "rotation on")
		assert.Equal(t, 30.0, key.Inputs["deletionWindowInDays"])
		assert.Equal(t, "SYMMETRIC_DEFAULT", key.Inputs["customerMasterKeySpec"])
		assert.True(t, key.Protect, "protected under the switch")
		assert.True(t, key.RetainOnDelete, "always retained: data under a deleted key is lost")
		assert.NotEmpty(t, key.Provider, "explicit provider")

		alias, ok := p.Named("aws:kms/alias:Alias", "kms-"+string(purpose))
		require.True(t, ok)
		assert.Equal(t, "alias/platform-prod-use1-"+string(purpose), alias.Inputs["name"])
		assert.Equal(t, "kms-"+string(purpose)+"-id", alias.Inputs["targetKeyId"])
	}
}

func TestKeysUnprotected(t *testing.T) {
	p := planKeys(t, &KeysArgs{Namer: plantest.Namer("us-east-1"), Purposes: []Purpose{Data}, DeletionWindowDays: 7, AliasSuffix: "replica"})
	key, ok := p.Named("aws:kms/key:Key", "kms-data")
	require.True(t, ok)
	assert.False(t, key.Protect)
	assert.True(t, key.RetainOnDelete)
	assert.Equal(t, 7.0, key.Inputs["deletionWindowInDays"])
	alias, _ := p.Named("aws:kms/alias:Alias", "kms-data")
	assert.Equal(t, "alias/platform-prod-use1-data-replica", alias.Inputs["name"])
}

func TestKeyPolicies(t *testing.T) {
	n := plantest.Namer("us-east-1")
	for _, purpose := range AllPurposes {
		t.Run(string(purpose), func(t *testing.T) {
			var doc struct {
				Statement []struct {
					Sid       string
					Effect    string
					Principal any
					Action    any
					Condition map[string]map[string]any
				}
			}
			require.NoError(t, json.Unmarshal([]byte(KeyPolicy(n, purpose).JSON()), &doc))
			require.NotEmpty(t, doc.Statement)
			root := doc.Statement[0]
			assert.Equal(t, map[string]any{"AWS": "arn:aws:iam::111122223333:root"}, root.Principal)
			for _, st := range doc.Statement {
				assert.NotEqual(t, "*", st.Principal, "no wildcard principal")
				if p, ok := st.Principal.(map[string]any); ok {
					assert.NotEqual(t, "*", p["AWS"], "no wildcard principal")
					if p["Service"] != nil {
						// Every service statement is pinned to this account or its log groups.
						assert.NotEmpty(t, st.Condition, "service principals are pinned by a condition")
					}
				}
			}
			if purpose == Logs {
				require.Len(t, doc.Statement, 5)
				logs := doc.Statement[1]
				assert.Equal(t, map[string]any{"Service": "logs.us-east-1.amazonaws.com"}, logs.Principal)
				assert.Equal(t, "arn:aws:logs:us-east-1:111122223333:*", logs.Condition["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
				alarms := doc.Statement[2]
				assert.Equal(t, "AllowAlarmsToEncryptedTopics", alarms.Sid)
				assert.Equal(t, map[string]any{"Service": []any{"cloudwatch.amazonaws.com", "events.amazonaws.com",
					"budgets.amazonaws.com", "costalerts.amazonaws.com"}}, alarms.Principal,
					"alarms, rules, budgets and cost anomaly alerts reach the encrypted alert topic")
				assert.Equal(t, []any{"kms:Decrypt", "kms:GenerateDataKey*"}, alarms.Action)
				assert.Equal(t, map[string]map[string]any{"StringEquals": {"aws:SourceAccount": "111122223333"}}, alarms.Condition,
					"only for this account's publishers")
				trail := doc.Statement[3]
				assert.Equal(t, map[string]any{"Service": "cloudtrail.amazonaws.com"}, trail.Principal)
				assert.Equal(t, "arn:aws:cloudtrail:*:111122223333:trail/*", trail.Condition["StringLike"]["kms:EncryptionContext:aws:cloudtrail:arn"])
				assert.Equal(t, map[string]any{"Service": "config.amazonaws.com"}, doc.Statement[4].Principal)
			} else if purpose == Data {
				require.Len(t, doc.Statement, 2)
				exports := doc.Statement[1]
				assert.Equal(t, "AllowDataExportsDelivery", exports.Sid)
				assert.Equal(t, "Allow", exports.Effect)
				assert.Equal(t, map[string]any{"Service": "bcm-data-exports.amazonaws.com"}, exports.Principal)
				assert.Equal(t, []any{"kms:GenerateDataKey", "kms:Decrypt"}, exports.Action, "write objects, complete multipart uploads; nothing else")
				assert.Equal(t, map[string]map[string]any{"StringEquals": {
					"aws:SourceAccount": "111122223333",
					"kms:ViaService":    "s3.us-east-1.amazonaws.com",
				}}, exports.Condition, "only this account's exports, only through S3 in the key's region")
			} else {
				assert.Len(t, doc.Statement, 1, "only the logs and data keys name a service")
			}
		})
	}
}

func TestKeysValidation(t *testing.T) {
	tests := []struct {
		name string
		args KeysArgs
		want string
	}{
		{"no purposes", KeysArgs{Namer: plantest.Namer("us-east-1")}, "purposes: at least one purpose is required"},
		{"duplicate purpose", KeysArgs{Namer: plantest.Namer("us-east-1"), Purposes: []Purpose{Data, Data}}, `purposes[1]: "data" is listed twice`},
		{"bad purpose", KeysArgs{Namer: plantest.Namer("us-east-1"), Purposes: []Purpose{"Data Key"}}, `purposes[0]: "Data Key" must be lower-case letters, digits and hyphens`},
		{"short window", KeysArgs{Namer: plantest.Namer("us-east-1"), Purposes: []Purpose{Data}, DeletionWindowDays: 3}, "deletionWindowDays: must be between 7 and 30, got 3"},
		{"no account", KeysArgs{Purposes: []Purpose{Data}}, "namer: account id and region are required for key policies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewKeys(ctx, "kms", &tt.args)
				return err
			}, tt.want)
		})
	}
}
