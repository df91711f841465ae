package double

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/structpb"
)

func props(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := marshal(resource.NewPropertyMapFromMap(m))
	require.NoError(t, err)
	return s
}

func configured(t *testing.T) *Provider {
	t.Helper()
	p := New()
	args, err := structpb.NewStruct(map[string]any{"region": "us-west-2", "allowedAccountIds": `["123456789012"]`})
	require.NoError(t, err)
	_, err = p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: args})
	require.NoError(t, err)
	return p
}

const rds = "aws:rds/instance:Instance"

func TestDiffReplacesOnlyOnReplacingProperties(t *testing.T) {
	replica := map[string]any{"identifier": "db", "replicateSourceDb": "arn:aws:rds:us-east-1:123456789012:db:prod", "kmsKeyId": "k", "instanceClass": "db.r6g.xlarge"}
	replicaState := map[string]any{"identifier": "db", "replicateSourceDb": "arn:aws:rds:us-east-1:123456789012:db:prod", "kmsKeyId": "k", "instanceClass": "db.r6g.xlarge", "engine": "postgres", "storageEncrypted": true, "arn": "arn"}
	promoted := map[string]any{"identifier": "db", "kmsKeyId": "k", "instanceClass": "db.r6g.xlarge", "engine": "postgres", "storageEncrypted": true, "multiAz": true}
	cases := []struct {
		name            string
		typ             string
		olds, state     map[string]any
		news            map[string]any
		changes         pulumirpc.DiffResponse_DiffChanges
		diffs, replaces []string
	}{
		{"no change", rds, replica, replicaState, replica, pulumirpc.DiffResponse_DIFF_NONE, nil, nil},
		{"promotion: the inherited engine and encryption are the state's, so an update", rds, replica, replicaState, promoted,
			pulumirpc.DiffResponse_DIFF_SOME, []string{"multiAz", "replicateSourceDb"}, nil},
		{"a new engine replaces the database", rds, promoted, promoted, merge(promoted, map[string]any{"engine": "mysql"}),
			pulumirpc.DiffResponse_DIFF_SOME, []string{"engine"}, []string{"engine"}},
		{"a new key replaces the database", rds, promoted, promoted, merge(promoted, map[string]any{"kmsKeyId": "other"}),
			pulumirpc.DiffResponse_DIFF_SOME, []string{"kmsKeyId"}, []string{"kmsKeyId"}},
		{"resizing is an update", rds, promoted, promoted, merge(promoted, map[string]any{"instanceClass": "db.r6g.2xlarge"}),
			pulumirpc.DiffResponse_DIFF_SOME, []string{"instanceClass"}, nil},
		{"a renamed bucket is a new bucket", "aws:s3/bucketV2:BucketV2", map[string]any{"bucket": "a"}, map[string]any{"bucket": "a", "arn": "arn:aws:s3:::a"}, map[string]any{"bucket": "b"},
			pulumirpc.DiffResponse_DIFF_SOME, []string{"bucket"}, []string{"bucket"}},
		{"key rotation is an update, multi-region a new key", "aws:kms/key:Key", map[string]any{"enableKeyRotation": true}, map[string]any{"enableKeyRotation": true},
			map[string]any{"enableKeyRotation": false, "multiRegion": true},
			pulumirpc.DiffResponse_DIFF_SOME, []string{"enableKeyRotation", "multiRegion"}, []string{"multiRegion"}},
		{"a computed key inside an input object is no change", "aws:eks/cluster:Cluster",
			map[string]any{"vpcConfig": map[string]any{"subnetIds": []any{"a", "b", "c"}}},
			map[string]any{"vpcConfig": map[string]any{"subnetIds": []any{"a", "b", "c"}, "clusterSecurityGroupId": "sg-1"}},
			map[string]any{"vpcConfig": map[string]any{"subnetIds": []any{"a", "b", "c"}}},
			pulumirpc.DiffResponse_DIFF_NONE, nil, nil},
		{"a removed input is a change; a computed value left alone is not", "aws:sns/topic:Topic", map[string]any{"name": "t", "kmsMasterKeyId": "k"}, map[string]any{"name": "t", "kmsMasterKeyId": "k", "arn": "a"}, map[string]any{"name": "t"},
			pulumirpc.DiffResponse_DIFF_SOME, []string{"kmsMasterKeyId"}, nil},
	}
	p := configured(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{
				Type: tc.typ, Urn: "urn:pulumi:s::p::" + tc.typ + "::r",
				OldInputs: props(t, tc.olds), Olds: props(t, tc.state), News: props(t, tc.news),
			})
			require.NoError(t, err)
			assert.Equal(t, tc.changes, resp.GetChanges())
			assert.Equal(t, tc.diffs, resp.GetDiffs())
			assert.Equal(t, tc.replaces, resp.GetReplaces())
			for _, r := range tc.replaces {
				assert.Contains(t, []pulumirpc.PropertyDiff_Kind{pulumirpc.PropertyDiff_ADD_REPLACE, pulumirpc.PropertyDiff_UPDATE_REPLACE, pulumirpc.PropertyDiff_DELETE_REPLACE},
					resp.GetDetailedDiff()[r].GetKind(), "%s is a replacing change in the detailed diff", r)
			}
		})
	}
}

func TestDiffUnknownReplacingPropertyReplaces(t *testing.T) {
	news := resource.NewPropertyMapFromMap(map[string]any{"bucket": "a"})
	news["bucket"] = resource.MakeComputed(resource.NewStringProperty(""))
	n, err := marshal(news)
	require.NoError(t, err)
	resp, err := New().Diff(context.Background(), &pulumirpc.DiffRequest{
		Type: "aws:s3/bucketV2:BucketV2", OldInputs: props(t, map[string]any{"bucket": "a"}), Olds: props(t, map[string]any{"bucket": "a"}), News: n,
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"bucket"}, resp.GetReplaces(), "a replacing property that is unknown until deploy may change: the preview says replace")
}

func TestCreateFillsComputedAttributesFromTheSharedModel(t *testing.T) {
	p := configured(t)
	in := props(t, map[string]any{"domainName": "api.example.com", "validationMethod": "DNS"})
	preview, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Type: "aws:acm/certificate:Certificate", Name: "edge", Properties: in, Preview: true})
	require.NoError(t, err)
	assert.Empty(t, preview.GetId(), "no id before the resource exists")
	state, err := unmarshal(preview.GetProperties())
	require.NoError(t, err)
	assert.True(t, state["arn"].IsComputed(), "the ARN is unknown during a preview")
	assert.True(t, state["domainValidationOptions"].IsComputed())
	assert.Equal(t, "api.example.com", state["domainName"].StringValue())

	created, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Type: "aws:acm/certificate:Certificate", Name: "edge", Properties: in})
	require.NoError(t, err)
	assert.Equal(t, "edge-id", created.GetId())
	state, err = unmarshal(created.GetProperties())
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:acm:us-west-2:123456789012:certificate/edge-id", state["arn"].StringValue(), "region and account come from the provider's config")
	options := state["domainValidationOptions"].ArrayValue()
	require.Len(t, options, 1)
	assert.Equal(t, "api.example.com", options[0].ObjectValue()["domainName"].StringValue())
	assert.Equal(t, "CNAME", options[0].ObjectValue()["resourceRecordType"].StringValue())
}

func TestUpdateKeepsComputedAttributesDuringPreview(t *testing.T) {
	p := configured(t)
	olds := props(t, map[string]any{"name": "/platform/flow-logs", "retentionInDays": 365, "arn": "arn:old"})
	resp, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{
		Type: "aws:cloudwatch/logGroup:LogGroup", Id: "g-id", Olds: olds, Preview: true,
		News: props(t, map[string]any{"name": "/platform/flow-logs", "retentionInDays": 400}),
	})
	require.NoError(t, err)
	state, err := unmarshal(resp.GetProperties())
	require.NoError(t, err)
	assert.Equal(t, "arn:old", state["arn"].StringValue())
	assert.Equal(t, 400.0, state["retentionInDays"].NumberValue())
}

func TestConfigureNeedsARegionAndRefusesInvokes(t *testing.T) {
	_, err := New().Configure(context.Background(), &pulumirpc.ConfigureRequest{})
	require.ErrorContains(t, err, "no region configured")
	_, err = New().Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "aws:index/getCallerIdentity:getCallerIdentity"})
	require.ErrorContains(t, err, "invoke aws:index/getCallerIdentity:getCallerIdentity is not served")
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
