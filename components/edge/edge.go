// Package edge owns what faces the internet in front of the API: the
// WAFv2 web ACL (AWS managed rule groups, a rate limit, an optional geo
// block, metrics for every rule, KMS-encrypted logs with the authorization
// and cookie headers redacted), its association with the load balancer,
// and the API's DNS: the hosted zone, an ACM certificate validated by DNS,
// and the health check that failover records use.
package edge

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
)

// EdgeArgs configure the edge of one region.
type EdgeArgs struct {
	Namer naming.Namer
	// RateLimit is requests per IP per 5 minutes before blocking.
	RateLimit int
	// AnonymousIPList blocks VPNs, Tor and hosting providers.
	AnonymousIPList bool
	// BlockedCountries (ISO 3166 alpha-2) are refused; empty: no geo rule.
	BlockedCountries []string
	// LogsKmsKeyArn encrypts the WAF log group; LogRetentionDays >= 365.
	LogsKmsKeyArn    pulumi.StringInput
	LogRetentionDays int
	// LoadBalancerArn, when set, is associated with the web ACL (the load
	// balancer itself comes from the Kubernetes controller later).
	LoadBalancerArn string
	// Domain is the API's name (api.example.com). ZoneName creates a public
	// hosted zone, or ZoneID names an existing one. Empty Domain: no DNS.
	Domain   string
	ZoneName string
	ZoneID   pulumi.StringInput
	// HealthCheckPath is probed over HTTPS on Domain (empty: no check).
	HealthCheckPath string
	// Protect the hosted zone from deletion.
	Protect bool
}

// Defaults and limits.
const (
	DefaultRateLimit        = 2000
	MinRateLimit            = 100 // the AWS minimum
	DefaultLogRetentionDays = 365
)

// ManagedRuleGroups are the AWS managed rule groups, in evaluation order.
var ManagedRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesAnonymousIpList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
}

// RedactedHeaders never reach the WAF logs.
var RedactedHeaders = []string{"authorization", "cookie"}

var (
	domainPattern  = regexp.MustCompile(`^([a-z0-9-]+\.)+[a-z]{2,}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

func (a EdgeArgs) withDefaults() EdgeArgs {
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = DefaultLogRetentionDays
	}
	return a
}

// Validate reports every problem with its field path.
func (a EdgeArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.Region == "" {
		add("namer: region is required")
	}
	if a.RateLimit < MinRateLimit {
		add("rateLimit: must be at least %d requests per 5 minutes per IP, got %d", MinRateLimit, a.RateLimit)
	}
	for i, c := range a.BlockedCountries {
		if !countryPattern.MatchString(c) {
			add("blockedCountries[%d]: must be an ISO 3166 alpha-2 code such as KP, got %q", i, c)
		}
	}
	if a.LogsKmsKeyArn == nil {
		add("logsKmsKeyArn: is required: WAF logs are encrypted")
	}
	if a.LogRetentionDays < 365 {
		add("logRetentionDays: WAF logs are audit logs, kept at least 365 days, got %d", a.LogRetentionDays)
	}
	if a.LoadBalancerArn != "" && !strings.HasPrefix(a.LoadBalancerArn, "arn:aws:elasticloadbalancing:") {
		add("loadBalancerArn: must be an application load balancer ARN, got %q", a.LoadBalancerArn)
	}
	if a.Domain != "" {
		if !domainPattern.MatchString(a.Domain) {
			add("domain: must be a lower-case DNS name, got %q", a.Domain)
		}
		if (a.ZoneName == "") == (a.ZoneID == nil) {
			add("zoneName, zoneId: give exactly one: a zone to create or an existing zone")
		}
		if a.ZoneName != "" && !strings.HasSuffix(a.Domain, "."+a.ZoneName) && a.Domain != a.ZoneName {
			add("zoneName: %q is not a parent of domain %q", a.ZoneName, a.Domain)
		}
	}
	return errors.Join(errs...)
}

// Edge is the web ACL and the API's DNS.
type Edge struct {
	pulumi.ResourceState

	// WebAclArn goes into the load balancer's ingress annotation.
	WebAclArn pulumi.StringOutput
	// ZoneID, CertificateArn and HealthCheckID are empty without a domain.
	ZoneID         pulumi.StringOutput
	CertificateArn pulumi.StringOutput
	HealthCheckID  pulumi.StringOutput
}

// NewEdge creates the edge.
func NewEdge(ctx *pulumi.Context, name string, args *EdgeArgs, opts ...pulumi.ResourceOption) (*Edge, error) {
	if args == nil {
		args = &EdgeArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("edge %s: %w", name, err)
	}
	e := &Edge{}
	if err := ctx.RegisterComponentResourceV2("platform:edge:Edge", name, pulumi.Map{
		"rateLimit": pulumi.Int(a.RateLimit), "domain": pulumi.String(a.Domain),
	}, e, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(e)
	if err := waf(ctx, name, a, e, parent); err != nil {
		return nil, fmt.Errorf("edge %s: %w", name, err)
	}
	empty := pulumi.String("").ToStringOutput()
	e.ZoneID, e.CertificateArn, e.HealthCheckID = empty, empty, empty
	if a.Domain != "" {
		if err := dns(ctx, name, a, e, parent); err != nil {
			return nil, fmt.Errorf("edge %s: %w", name, err)
		}
	}
	return e, ctx.RegisterResourceOutputs(e, pulumi.Map{"webAclArn": e.WebAclArn, "certificateArn": e.CertificateArn})
}

func visibility(metric string) wafv2.WebAclRuleVisibilityConfigArgs {
	return wafv2.WebAclRuleVisibilityConfigArgs{
		CloudwatchMetricsEnabled: pulumi.Bool(true), SampledRequestsEnabled: pulumi.Bool(true), MetricName: pulumi.String(metric),
	}
}

func waf(ctx *pulumi.Context, name string, a EdgeArgs, e *Edge, parent pulumi.ResourceOption) error {
	n := a.Namer
	rules := wafv2.WebAclRuleArray{}
	priority := 0
	next := func() int { priority += 10; return priority }
	if len(a.BlockedCountries) > 0 {
		countries := pulumi.StringArray{}
		for _, c := range a.BlockedCountries {
			countries = append(countries, pulumi.String(c))
		}
		rules = append(rules, wafv2.WebAclRuleArgs{
			Name: pulumi.String("geo-block"), Priority: pulumi.Int(next()),
			Action:           wafv2.WebAclRuleActionArgs{Block: wafv2.WebAclRuleActionBlockArgs{}},
			Statement:        wafv2.WebAclRuleStatementArgs{GeoMatchStatement: wafv2.WebAclRuleStatementGeoMatchStatementArgs{CountryCodes: countries}},
			VisibilityConfig: visibility("geo-block"),
		})
	}
	for _, group := range ManagedRuleGroups {
		if group == "AWSManagedRulesAnonymousIpList" && !a.AnonymousIPList {
			continue
		}
		rules = append(rules, wafv2.WebAclRuleArgs{
			Name: pulumi.String(group), Priority: pulumi.Int(next()),
			OverrideAction: wafv2.WebAclRuleOverrideActionArgs{None: wafv2.WebAclRuleOverrideActionNoneArgs{}},
			Statement: wafv2.WebAclRuleStatementArgs{ManagedRuleGroupStatement: wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
				Name: pulumi.String(group), VendorName: pulumi.String("AWS"),
			}},
			VisibilityConfig: visibility(group),
		})
	}
	rules = append(rules, wafv2.WebAclRuleArgs{
		Name: pulumi.String("rate-limit"), Priority: pulumi.Int(next()),
		Action: wafv2.WebAclRuleActionArgs{Block: wafv2.WebAclRuleActionBlockArgs{}},
		Statement: wafv2.WebAclRuleStatementArgs{RateBasedStatement: wafv2.WebAclRuleStatementRateBasedStatementArgs{
			Limit: pulumi.Int(a.RateLimit), AggregateKeyType: pulumi.String("IP"),
		}},
		VisibilityConfig: visibility("rate-limit"),
	})
	acl, err := wafv2.NewWebAcl(ctx, name, &wafv2.WebAclArgs{
		Name:          pulumi.String(n.Name(naming.Generic, "api")),
		Description:   pulumi.String("API protection: AWS managed rules, rate limit"),
		Scope:         pulumi.String("REGIONAL"),
		DefaultAction: wafv2.WebAclDefaultActionArgs{Allow: wafv2.WebAclDefaultActionAllowArgs{}},
		Rules:         rules,
		VisibilityConfig: wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true), SampledRequestsEnabled: pulumi.Bool(true), MetricName: pulumi.String(n.Name(naming.Generic, "api")),
		},
	}, parent)
	if err != nil {
		return err
	}
	e.WebAclArn = acl.Arn
	group, err := cloudwatch.NewLogGroup(ctx, name+"-waf", &cloudwatch.LogGroupArgs{
		// WAF delivers only to log groups whose name starts aws-waf-logs-.
		Name:            pulumi.String("aws-waf-logs-" + n.Name(naming.Generic, "api")),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		KmsKeyId:        a.LogsKmsKeyArn,
	}, parent)
	if err != nil {
		return err
	}
	redacted := wafv2.WebAclLoggingConfigurationRedactedFieldArray{}
	for _, h := range RedactedHeaders {
		redacted = append(redacted, wafv2.WebAclLoggingConfigurationRedactedFieldArgs{
			SingleHeader: wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String(h)},
		})
	}
	if _, err := wafv2.NewWebAclLoggingConfiguration(ctx, name, &wafv2.WebAclLoggingConfigurationArgs{
		ResourceArn:           acl.Arn,
		LogDestinationConfigs: pulumi.StringArray{group.Arn},
		RedactedFields:        redacted,
	}, parent); err != nil {
		return err
	}
	if a.LoadBalancerArn != "" {
		if _, err := wafv2.NewWebAclAssociation(ctx, name, &wafv2.WebAclAssociationArgs{
			ResourceArn: pulumi.String(a.LoadBalancerArn), WebAclArn: acl.Arn,
		}, parent); err != nil {
			return err
		}
	}
	return nil
}

func dns(ctx *pulumi.Context, name string, a EdgeArgs, e *Edge, parent pulumi.ResourceOption) error {
	zoneID := a.ZoneID
	if a.ZoneName != "" {
		zone, err := route53.NewZone(ctx, name, &route53.ZoneArgs{
			Name:         pulumi.String(a.ZoneName),
			Comment:      pulumi.String("Platform public zone"),
			ForceDestroy: pulumi.Bool(false),
		}, parent, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(true))
		if err != nil {
			return err
		}
		zoneID = zone.ZoneId
	}
	e.ZoneID = zoneID.ToStringOutput()
	cert, err := acm.NewCertificate(ctx, name, &acm.CertificateArgs{
		DomainName:       pulumi.String(a.Domain),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String("EC_prime256v1"),
	}, parent)
	if err != nil {
		return err
	}
	recordName, recordType, recordValue := validationRecord(name, a.Domain, cert.DomainValidationOptions)
	record, err := route53.NewRecord(ctx, name+"-validation", &route53.RecordArgs{
		ZoneId:         zoneID,
		Name:           recordName,
		Type:           recordType,
		Records:        pulumi.StringArray{recordValue},
		Ttl:            pulumi.Int(60),
		AllowOverwrite: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return err
	}
	certValidation, err := acm.NewCertificateValidation(ctx, name, &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, parent)
	if err != nil {
		return err
	}
	e.CertificateArn = certValidation.CertificateArn
	if a.HealthCheckPath != "" {
		hc, err := route53.NewHealthCheck(ctx, name, &route53.HealthCheckArgs{
			Type:             pulumi.String("HTTPS"),
			Fqdn:             pulumi.String(a.Domain),
			Port:             pulumi.Int(443),
			ResourcePath:     pulumi.String(a.HealthCheckPath),
			EnableSni:        pulumi.Bool(true),
			FailureThreshold: pulumi.Int(3),
			RequestInterval:  pulumi.Int(30),
			MeasureLatency:   pulumi.Bool(true),
			ReferenceName:    pulumi.String(a.Namer.Name(naming.Generic, "api")),
		}, parent)
		if err != nil {
			return err
		}
		e.HealthCheckID = hc.ID().ToStringOutput()
	}
	return nil
}

// validationRecord finds the validation record of domain among the
// certificate's computed validation options and returns its name, type and
// value. ACM fills the options after the certificate is requested, so the
// list may arrive empty or without the domain: that is an error naming the
// certificate, not an index out of range. During a preview the list is
// unknown and so is the record.
func validationRecord(name, domain string, options acm.CertificateDomainValidationOptionArrayOutput) (recordName, recordType, recordValue pulumi.StringOutput) {
	field := func(pick func(acm.CertificateDomainValidationOption) *string) pulumi.StringOutput {
		return options.ApplyT(func(opts []acm.CertificateDomainValidationOption) (string, error) {
			for _, o := range opts {
				if o.DomainName == nil || *o.DomainName != domain {
					continue
				}
				if v := pick(o); v != nil && *v != "" {
					return *v, nil
				}
				return "", fmt.Errorf("edge %s: certificate for %s: ACM returned an incomplete DNS validation record", name, domain)
			}
			return "", fmt.Errorf("edge %s: certificate for %s: ACM returned no DNS validation record for the domain (domainValidationOptions has %d entries)", name, domain, len(opts))
		}).(pulumi.StringOutput)
	}
	return field(func(o acm.CertificateDomainValidationOption) *string { return o.ResourceRecordName }),
		field(func(o acm.CertificateDomainValidationOption) *string { return o.ResourceRecordType }),
		field(func(o acm.CertificateDomainValidationOption) *string { return o.ResourceRecordValue })
}
