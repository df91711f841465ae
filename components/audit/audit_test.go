package audit

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
	logsKey = "arn:aws:kms:us-east-1:111122223333:key/logs"
	topic   = "arn:aws:sns:us-east-1:111122223333:security"
)

func args() *AuditArgs {
	return &AuditArgs{
		Namer: plantest.Namer("us-east-1"), LogsKmsKeyArn: pulumi.String(logsKey),
		AuditBucketName: pulumi.String("audit-bucket"), SecurityTopicArn: pulumi.String(topic),
		DataBucketArns: []pulumi.StringInput{pulumi.String("arn:aws:s3:::data-bucket")},
		Trail:          true, AccountBaseline: true, RecordGlobalResources: true,
	}
}

func planAudit(t *testing.T, mutate func(*AuditArgs)) *plan.Plan {
	t.Helper()
	a := args()
	if mutate != nil {
		mutate(a)
	}
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		_, err := NewAudit(ctx, "audit", a, prov)
		return err
	})
}

func TestTrail(t *testing.T) {
	p := planAudit(t, nil)
	tr, ok := p.Named("aws:cloudtrail/trail:Trail", "audit")
	require.True(t, ok)
	in := tr.Inputs
	assert.Equal(t, true, in["isMultiRegionTrail"])
	assert.Equal(t, true, in["includeGlobalServiceEvents"])
	assert.Equal(t, true, in["enableLogFileValidation"])
	assert.Equal(t, logsKey, in["kmsKeyId"])
	assert.Equal(t, "audit-bucket", in["s3BucketName"])
	assert.Equal(t, "cloudtrail", in["s3KeyPrefix"])
	assert.Equal(t, false, in["isOrganizationTrail"])
	assert.Equal(t, "arn:aws:logs:us-east-1:111122223333:log-group:/platform/prod/use1/cloudtrail:*", in["cloudWatchLogsGroupArn"])
	data := plantest.Input(tr, "advancedEventSelectors", 1)
	require.NotNil(t, data, "S3 data events for the data buckets")
	b, _ := json.Marshal(data)
	assert.Contains(t, string(b), `"startsWiths":["arn:aws:s3:::data-bucket/"]`)
	assert.Contains(t, string(b), `"equals":["Data"]`)

	group, ok := p.Named("aws:cloudwatch/logGroup:LogGroup", "audit-cloudtrail")
	require.True(t, ok)
	assert.Equal(t, logsKey, group.Inputs["kmsKeyId"])
	assert.Equal(t, 365.0, group.Inputs["retentionInDays"])

	org := planAudit(t, func(a *AuditArgs) { a.OrganizationTrail = true })
	otr, _ := org.Named("aws:cloudtrail/trail:Trail", "audit")
	assert.Equal(t, true, otr.Inputs["isOrganizationTrail"])
}

func TestCISFiltersAndAlarms(t *testing.T) {
	p := planAudit(t, nil)
	require.Len(t, CISFilters, 14)
	for _, f := range CISFilters {
		mf, ok := p.Named("aws:cloudwatch/logMetricFilter:LogMetricFilter", "audit-cis-"+f.Name)
		require.True(t, ok, f.Name)
		assert.Equal(t, f.Pattern, mf.Inputs["pattern"])
		assert.Equal(t, "/platform/prod/use1/cloudtrail", mf.Inputs["logGroupName"])
		assert.Equal(t, f.Name, plantest.Input(mf, "metricTransformation", "name"))
		alarm, ok := p.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "audit-cis-"+f.Name+"-alarm")
		require.True(t, ok, f.Name)
		assert.Equal(t, f.Name, alarm.Inputs["metricName"])
		assert.Equal(t, MetricNamespace, alarm.Inputs["namespace"])
		assert.Equal(t, 1.0, alarm.Inputs["threshold"])
		assert.Equal(t, "GreaterThanOrEqualToThreshold", alarm.Inputs["comparisonOperator"])
		assert.Equal(t, []any{topic}, alarm.Inputs["alarmActions"])
	}
	root, _ := p.Named("aws:cloudwatch/logMetricFilter:LogMetricFilter", "audit-cis-root-usage")
	assert.Contains(t, root.Inputs["pattern"], `$.userIdentity.type = "Root"`)
}

func TestConfig(t *testing.T) {
	p := planAudit(t, nil)
	rec, ok := p.Named("aws:cfg/recorder:Recorder", "audit")
	require.True(t, ok)
	assert.Equal(t, true, plantest.Input(rec, "recordingGroup", "allSupported"))
	assert.Equal(t, true, plantest.Input(rec, "recordingGroup", "includeGlobalResourceTypes"))
	ch, _ := p.Named("aws:cfg/deliveryChannel:DeliveryChannel", "audit")
	assert.Equal(t, "audit-bucket", ch.Inputs["s3BucketName"])
	assert.NotContains(t, ch.Inputs, "s3KmsKeyArn", "the bucket's default key applies, across regions too")
	st, _ := p.Named("aws:cfg/recorderStatus:RecorderStatus", "audit")
	assert.Equal(t, true, st.Inputs["isEnabled"])
	var rules []string
	for _, r := range p.OfType("aws:cfg/rule:Rule") {
		rules = append(rules, plantest.Input(r, "source", "sourceIdentifier").(string))
		assert.Equal(t, "AWS", plantest.Input(r, "source", "owner"))
	}
	assert.ElementsMatch(t, ManagedRules, rules)

	regional := planAudit(t, func(a *AuditArgs) { a.RecordGlobalResources = false })
	r2, _ := regional.Named("aws:cfg/recorder:Recorder", "audit")
	assert.Equal(t, false, plantest.Input(r2, "recordingGroup", "includeGlobalResourceTypes"), "global resources are recorded in one region only")
}

func TestSecurityHubAndGuardDuty(t *testing.T) {
	p := planAudit(t, nil)
	var standards []string
	for _, s := range p.OfType("aws:securityhub/standardsSubscription:StandardsSubscription") {
		standards = append(standards, s.Inputs["standardsArn"].(string))
	}
	assert.ElementsMatch(t, []string{
		"arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0",
		"arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0",
		"arn:aws:securityhub:us-east-1::standards/pci-dss/v/4.0.1",
	}, standards)

	det, ok := p.Named("aws:guardduty/detector:Detector", "audit")
	require.True(t, ok)
	assert.Equal(t, true, det.Inputs["enable"])
	assert.Equal(t, "FIFTEEN_MINUTES", det.Inputs["findingPublishingFrequency"])
	features := map[string]any{}
	for _, f := range p.OfType("aws:guardduty/detectorFeature:DetectorFeature") {
		assert.Equal(t, "ENABLED", f.Inputs["status"])
		assert.Equal(t, "audit-id", f.Inputs["detectorId"])
		features[f.Inputs["name"].(string)] = f.Inputs["additionalConfigurations"]
	}
	assert.Len(t, features, 5)
	assert.Equal(t, []any{map[string]any{"name": "EKS_ADDON_MANAGEMENT", "status": "ENABLED"}}, features["RUNTIME_MONITORING"], "the managed EKS agent")

	rule, _ := p.Named("aws:cloudwatch/eventRule:EventRule", "audit-guardduty")
	var pattern map[string]any
	require.NoError(t, json.Unmarshal([]byte(rule.Inputs["eventPattern"].(string)), &pattern))
	assert.Equal(t, []any{"aws.guardduty"}, pattern["source"])
	assert.Equal(t, []any{map[string]any{"numeric": []any{">=", 4.0}}}, pattern["detail"].(map[string]any)["severity"], "medium and above")
	target, _ := p.Named("aws:cloudwatch/eventTarget:EventTarget", "audit-guardduty")
	assert.Equal(t, topic, target.Inputs["arn"])
	_, ok = p.Named("aws:accessanalyzer/analyzer:Analyzer", "audit")
	assert.True(t, ok)
}

func TestSwitches(t *testing.T) {
	none := planAudit(t, func(a *AuditArgs) { a.Trail = false; a.AccountBaseline = false; a.RecordGlobalResources = false })
	assert.Empty(t, none.OfType("aws:cloudtrail/trail:Trail"))
	assert.Empty(t, none.OfType("aws:cfg/recorder:Recorder"))
	assert.Empty(t, none.OfType("aws:guardduty/detector:Detector"))
	baselineOnly := planAudit(t, func(a *AuditArgs) { a.Trail = false; a.RecordGlobalResources = false })
	assert.Empty(t, baselineOnly.OfType("aws:cloudtrail/trail:Trail"), "a second stack leaves the trail to the first")
	assert.Len(t, baselineOnly.OfType("aws:guardduty/detector:Detector"), 1, "GuardDuty is regional")
}

func TestAuditValidation(t *testing.T) {
	a := args()
	a.LogRetentionDays = 90
	a.FindingPublishingFrequency = "HOURLY"
	a.Trail = false
	a.OrganizationTrail = true
	p, err := plantest.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewAudit(ctx, "audit", a)
		return err
	})
	require.Error(t, err)
	for _, want := range []string{
		"logRetentionDays: audit logs are kept at least 365 days, got 90",
		`findingPublishingFrequency: must be FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS, got "HOURLY"`,
		"organizationTrail: needs trail",
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Empty(t, p.Resources)
}
