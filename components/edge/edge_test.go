package edge

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

const (
	logsKey = "arn:aws:kms:us-east-1:111122223333:key/logs"
	lb      = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/api/abc"
)

func args() *EdgeArgs {
	return &EdgeArgs{
		Namer: plantest.Namer("us-east-1"), RateLimit: 1500, AnonymousIPList: true, BlockedCountries: []string{"KP"},
		LogsKmsKeyArn: pulumi.String(logsKey), LoadBalancerArn: lb,
		Domain: "api.example-fintech.com", ZoneName: "example-fintech.com", HealthCheckPath: "/healthz", Protect: true,
	}
}

func planEdge(t *testing.T, mutate func(*EdgeArgs)) *plan.Plan {
	t.Helper()
	a := args()
	if mutate != nil {
		mutate(a)
	}
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		_, err := NewEdge(ctx, "edge", a, prov)
		return err
	})
}

func TestWebACL(t *testing.T) {
	p := planEdge(t, nil)
	acl, ok := p.Named("aws:wafv2/webAcl:WebAcl", "edge")
	require.True(t, ok)
	assert.Equal(t, "REGIONAL", acl.Inputs["scope"])
	assert.Equal(t, true, plantest.Input(acl, "visibilityConfig", "cloudwatchMetricsEnabled"))
	rules := acl.Inputs["rules"].([]any)
	var names []string
	var groups []string
	for _, r := range rules {
		m := r.(map[string]any)
		names = append(names, m["name"].(string))
		assert.Equal(t, true, m["visibilityConfig"].(map[string]any)["cloudwatchMetricsEnabled"], "metrics for %s", m["name"])
		if g, ok := m["statement"].(map[string]any)["managedRuleGroupStatement"].(map[string]any); ok {
			groups = append(groups, g["name"].(string))
			assert.Equal(t, "AWS", g["vendorName"])
		}
	}
	assert.Equal(t, "geo-block", names[0], "the geo rule is evaluated first")
	assert.Equal(t, ManagedRuleGroups, groups)
	last := rules[len(rules)-1].(map[string]any)
	assert.Equal(t, "rate-limit", last["name"])
	assert.Equal(t, 1500.0, last["statement"].(map[string]any)["rateBasedStatement"].(map[string]any)["limit"])
	assert.Equal(t, []any{"KP"}, rules[0].(map[string]any)["statement"].(map[string]any)["geoMatchStatement"].(map[string]any)["countryCodes"])

	plain := planEdge(t, func(a *EdgeArgs) { a.BlockedCountries = nil; a.AnonymousIPList = false })
	pacl, _ := plain.Named("aws:wafv2/webAcl:WebAcl", "edge")
	assert.Len(t, pacl.Inputs["rules"], len(ManagedRuleGroups), "four managed groups and the rate limit")
}

func TestWAFLogging(t *testing.T) {
	p := planEdge(t, nil)
	group, ok := p.Named("aws:cloudwatch/logGroup:LogGroup", "edge-waf")
	require.True(t, ok)
	assert.Equal(t, "aws-waf-logs-platform-prod-use1-api", group.Inputs["name"])
	assert.Equal(t, logsKey, group.Inputs["kmsKeyId"])
	assert.Equal(t, 365.0, group.Inputs["retentionInDays"])
	cfg, ok := p.Named("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "edge")
	require.True(t, ok)
	var headers []string
	for _, f := range cfg.Inputs["redactedFields"].([]any) {
		headers = append(headers, f.(map[string]any)["singleHeader"].(map[string]any)["name"].(string))
	}
	assert.Equal(t, []string{"authorization", "cookie"}, headers, "credentials never reach the logs")
	assoc, ok := p.Named("aws:wafv2/webAclAssociation:WebAclAssociation", "edge")
	require.True(t, ok)
	assert.Equal(t, lb, assoc.Inputs["resourceArn"])
	none := planEdge(t, func(a *EdgeArgs) { a.LoadBalancerArn = "" })
	assert.Empty(t, none.OfType("aws:wafv2/webAclAssociation:WebAclAssociation"), "associated only when a load balancer is named")
}

func TestDNS(t *testing.T) {
	p := planEdge(t, nil)
	zone, ok := p.Named("aws:route53/zone:Zone", "edge")
	require.True(t, ok)
	assert.Equal(t, "example-fintech.com", zone.Inputs["name"])
	assert.True(t, zone.Protect)
	cert, ok := p.Named("aws:acm/certificate:Certificate", "edge")
	require.True(t, ok)
	assert.Equal(t, "api.example-fintech.com", cert.Inputs["domainName"])
	assert.Equal(t, "DNS", cert.Inputs["validationMethod"])
	_, ok = p.Named("aws:route53/record:Record", "edge-validation")
	assert.True(t, ok)
	_, ok = p.Named("aws:acm/certificateValidation:CertificateValidation", "edge")
	assert.True(t, ok)
	hc, ok := p.Named("aws:route53/healthCheck:HealthCheck", "edge")
	require.True(t, ok)
	assert.Equal(t, "HTTPS", hc.Inputs["type"])
	assert.Equal(t, "/healthz", hc.Inputs["resourcePath"])
	assert.Equal(t, "api.example-fintech.com", hc.Inputs["fqdn"])

	existing := planEdge(t, func(a *EdgeArgs) { a.ZoneName = ""; a.ZoneID = pulumi.String("Z123") })
	assert.Empty(t, existing.OfType("aws:route53/zone:Zone"), "an existing zone is used, not created")
	rec, _ := existing.Named("aws:route53/record:Record", "edge-validation")
	assert.Equal(t, "Z123", rec.Inputs["zoneId"])
}

func TestEdgeValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*EdgeArgs)
		want   string
	}{
		{"rate limit of zero", func(a *EdgeArgs) { a.RateLimit = 0 }, "rateLimit: must be at least 100 requests per 5 minutes per IP, got 0"},
		{"short log retention", func(a *EdgeArgs) { a.LogRetentionDays = 90 }, "logRetentionDays: WAF logs are audit logs, kept at least 365 days, got 90"},
		{"bad country", func(a *EdgeArgs) { a.BlockedCountries = []string{"north korea"} }, `blockedCountries[0]: must be an ISO 3166 alpha-2 code such as KP, got "north korea"`},
		{"zone not a parent", func(a *EdgeArgs) { a.ZoneName = "other.com" }, `zoneName: "other.com" is not a parent of domain "api.example-fintech.com"`},
		{"bad lb", func(a *EdgeArgs) { a.LoadBalancerArn = "api-lb" }, `loadBalancerArn: must be an application load balancer ARN, got "api-lb"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := args()
			tt.mutate(a)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewEdge(ctx, "edge", a)
				return err
			}, tt.want)
		})
	}
}

// TestCertificateValidationRecord: the validation record comes from the
// certificate's computed options, found by domain. The shared AWS model
// fills them (so the plan has the record), and a provider that returns
// none or other domains fails the program with an error naming the
// certificate, never an index out of range.
func TestCertificateValidationRecord(t *testing.T) {
	p := planEdge(t, nil)
	record, ok := p.Named("aws:route53/record:Record", "edge-validation")
	require.True(t, ok)
	assert.Equal(t, "CNAME", record.Inputs["type"])
	assert.Contains(t, record.Inputs["name"], ".api.example-fintech.com.")

	for name, options := range map[string][]acm.CertificateDomainValidationOption{
		"none":         nil,
		"other domain": {{DomainName: pulumi.StringRef("www.example-fintech.com"), ResourceRecordName: pulumi.StringRef("_x"), ResourceRecordType: pulumi.StringRef("CNAME"), ResourceRecordValue: pulumi.StringRef("_y")}},
		"incomplete":   {{DomainName: pulumi.StringRef("api.example-fintech.com")}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := plantest.RunErr(func(ctx *pulumi.Context) error {
				list := acm.CertificateDomainValidationOptionArray{}
				for _, o := range options {
					list = append(list, acm.CertificateDomainValidationOptionArgs{
						DomainName: pulumi.StringPtrFromPtr(o.DomainName), ResourceRecordName: pulumi.StringPtrFromPtr(o.ResourceRecordName),
						ResourceRecordType: pulumi.StringPtrFromPtr(o.ResourceRecordType), ResourceRecordValue: pulumi.StringPtrFromPtr(o.ResourceRecordValue),
					})
				}
				recordName, _, _ := validationRecord("edge", "api.example-fintech.com", list.ToCertificateDomainValidationOptionArrayOutput())
				ctx.Export("record", recordName)
				return nil
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "edge edge: certificate for api.example-fintech.com")
		})
	}
}
