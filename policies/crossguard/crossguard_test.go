package crossguard

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/policies"
)

type manager struct{ violations []string }

func (m *manager) ReportViolation(message, urn string) {
	m.violations = append(m.violations, urn+": "+message)
}

func pack(t *testing.T, yaml string) map[string]policyx.Policy {
	t.Helper()
	cfg, err := policies.ParseConfig([]byte(yaml), "pack.yaml")
	require.NoError(t, err)
	p, err := Pack(cfg)
	require.NoError(t, err)
	assert.Equal(t, PackName, p.Name())
	out := map[string]policyx.Policy{}
	for _, pol := range p.Policies() {
		out[pol.Name()] = pol
	}
	return out
}

func key(rotation property.Value) policyx.AnalyzerResource {
	return policyx.AnalyzerResource{
		Type: "aws:kms/key:Key",
		URN:  "urn:pulumi:prod::platform::aws:kms/key:Key::data",
		Name: "data",
		Properties: property.NewMap(map[string]property.Value{
			"enableKeyRotation": rotation,
			"description":       property.New("data key").WithSecret(true),
		}),
	}
}

func TestPackHasEveryPolicyAtItsLevel(t *testing.T) {
	all := pack(t, "enforcement:\n  s3-lifecycle: disabled\n  kms-key-rotation: advisory\n")
	assert.Len(t, all, len(policies.All())-1, "disabled policies are left out")
	assert.NotContains(t, all, "s3-lifecycle")
	assert.Equal(t, policyx.EnforcementLevelAdvisory, all["kms-key-rotation"].EnforcementLevel())
	assert.Equal(t, policyx.EnforcementLevelMandatory, all["rds-multi-az"].EnforcementLevel())
	_, isStack := all["vpc-flow-logs"].(policyx.StackValidationPolicy)
	assert.True(t, isStack, "multi-resource controls are stack policies")
}

func TestResourcePolicyReportsViolations(t *testing.T) {
	rotation := pack(t, "")["kms-key-rotation"].(policyx.ResourceValidationPolicy)
	m := &manager{}
	require.NoError(t, rotation.Validate(context.Background(), policyx.ResourceValidationArgs{Manager: m, Resource: key(property.New(false))}))
	assert.Equal(t, []string{"urn:pulumi:prod::platform::aws:kms/key:Key::data: the key does not rotate (enableKeyRotation is not true)"}, m.violations)

	m = &manager{}
	require.NoError(t, rotation.Validate(context.Background(), policyx.ResourceValidationArgs{Manager: m, Resource: key(property.New(true))}))
	assert.Empty(t, m.violations)

	m = &manager{}
	require.NoError(t, rotation.Validate(context.Background(), policyx.ResourceValidationArgs{Manager: m, Resource: key(property.New(property.Computed))}))
	assert.Empty(t, m.violations, "an unknown value in preview is not a violation")
}

func TestWaiversApplyInThePack(t *testing.T) {
	rotation := pack(t, `waivers:
  - policy: kms-key-rotation
    resources: ["data"]
    reason: imported key material, rotated by hand
    approvedBy: security-lead
    expires: "2099-12-31"
`)["kms-key-rotation"].(policyx.ResourceValidationPolicy)
	m := &manager{}
	require.NoError(t, rotation.Validate(context.Background(), policyx.ResourceValidationArgs{Manager: m, Resource: key(property.New(false))}))
	assert.Empty(t, m.violations)
}

func TestStackPolicy(t *testing.T) {
	flow := pack(t, "")["vpc-flow-logs"].(policyx.StackValidationPolicy)
	vpc := policyx.AnalyzerResource{Type: "aws:ec2/vpc:Vpc", URN: "urn:pulumi:prod::platform::aws:ec2/vpc:Vpc::net", Name: "net",
		Properties: property.NewMap(map[string]property.Value{"cidrBlock": property.New("10.0.0.0/16")})}
	m := &manager{}
	require.NoError(t, flow.Validate(context.Background(), policyx.StackValidationArgs{Manager: m, Resources: []policyx.AnalyzerResource{vpc}}))
	assert.Equal(t, []string{vpc.URN + ": the VPC has no flow log"}, m.violations)

	log := policyx.AnalyzerResource{Type: "aws:ec2/flowLog:FlowLog", URN: "urn:pulumi:prod::platform::aws:ec2/flowLog:FlowLog::net", Name: "net",
		Properties:           property.NewMap(map[string]property.Value{"vpcId": property.New(property.Computed), "trafficType": property.New("ALL")}),
		PropertyDependencies: map[string][]string{"vpcId": {vpc.URN}}}
	m = &manager{}
	require.NoError(t, flow.Validate(context.Background(), policyx.StackValidationArgs{Manager: m, Resources: []policyx.AnalyzerResource{vpc, log}}))
	assert.Empty(t, m.violations, "the flow log is matched to its VPC by property dependency while the id is unknown")
}

func TestPlain(t *testing.T) {
	got := Plain(property.NewMap(map[string]property.Value{
		"s":   property.New("x"),
		"n":   property.New(2.0),
		"sec": property.New("hunter2").WithSecret(true),
		"unk": property.New(property.Computed),
		"arr": property.New([]property.Value{property.New(true)}),
		"obj": property.New(map[string]property.Value{"k": property.New("v")}),
	}))
	assert.Equal(t, map[string]any{
		"s": "x", "n": 2.0, "sec": policies.SecretPlaceholder, "unk": policies.UnknownSentinel,
		"arr": []any{true}, "obj": map[string]any{"k": "v"},
	}, got)
}

// TestConvertStackMarksResourcesWithoutState: stack policies get each
// resource's outputs; a custom resource with none (its provider is not
// configured yet in a preview) is marked, a component is not.
func TestConvertStackMarksResourcesWithoutState(t *testing.T) {
	rs := ConvertStack([]policyx.AnalyzerResource{
		{URN: "urn:pulumi:s::p::kubernetes:core/v1:Namespace::apps", Type: "kubernetes:core/v1:Namespace", Name: "apps",
			Provider: policyx.AnalyzerProviderResource{URN: "urn:pulumi:s::p::pulumi:providers:kubernetes::k8s", Type: "pulumi:providers:kubernetes"}},
		{URN: "urn:pulumi:s::p::platform:baseline:Baseline::baseline", Type: "platform:baseline:Baseline", Name: "baseline"},
	})
	require.Len(t, rs, 3, "the two resources and the provider")
	assert.True(t, rs[0].NoState)
	assert.True(t, rs[0].Opaque())
	assert.False(t, rs[1].NoState, "a component's empty properties say nothing")
}
