package search

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
	"platform/policies"
)

const (
	logsKey    = "arn:aws:kms:us-east-1:111122223333:key/logs"
	adminRole  = "arn:aws:iam::111122223333:role/platform-prod-use1-admin"
	fluentBit  = "arn:aws:iam::111122223333:role/platform-prod-use1-fluent-bit"
	auditor    = "arn:aws:iam::111122223333:role/platform-prod-use1-auditor"
	domainARN  = "arn:aws:es:us-east-1:111122223333:domain/platform-prod-use1-search"
	vpcCidr    = "10.10.0.0/16"
	domainType = "aws:opensearch/domain:Domain"
	groupType  = "aws:cloudwatch/logGroup:LogGroup"
)

func baseArgs() *DomainArgs {
	return &DomainArgs{
		Namer:            plantest.Namer("us-east-1"),
		Production:       true,
		EngineVersion:    "OpenSearch_2.19",
		InstanceType:     "r7g.large.search",
		InstanceCount:    3,
		DedicatedMasters: true,
		MasterType:       "m7g.large.search",
		KmsKeyArn:        pulumi.String(logsKey),
		SubnetIDs:        pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b"), pulumi.String("subnet-c")},
		VpcID:            pulumi.String("vpc-1"),
		VpcCidr:          vpcCidr,
		MasterRoleArn:    pulumi.String(adminRole),
		WriterRoleArns:   []pulumi.StringInput{pulumi.String(fluentBit)},
		ReaderRoleArns:   []pulumi.StringInput{pulumi.String(auditor)},
		Protect:          true,
	}
}

func planDomain(t *testing.T, mutate func(*DomainArgs)) *plan.Plan {
	t.Helper()
	args := baseArgs()
	if mutate != nil {
		mutate(args)
	}
	return plantest.RunWithProvider(t, args.Namer.Region, func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		_, err := NewDomain(ctx, "search", args, prov)
		return err
	})
}

func domainOf(t *testing.T, p *plan.Plan) plan.Resource {
	t.Helper()
	d, ok := p.Named(domainType, "search")
	require.True(t, ok)
	return d
}

type statement struct {
	Sid       string
	Effect    string
	Principal map[string]any
	Action    any
	Resource  any
	Condition map[string]map[string]string
}

func statements(t *testing.T, doc any) []statement {
	t.Helper()
	s, ok := doc.(string)
	require.True(t, ok, "the policy is a JSON string known at plan time")
	var parsed struct{ Statement []statement }
	require.NoError(t, json.Unmarshal([]byte(s), &parsed))
	return parsed.Statement
}

func TestDomainChildren(t *testing.T) {
	p := planDomain(t, nil)
	assert.Equal(t, map[string]int{
		"aws:ec2/securityGroup:SecurityGroup": 1,
		groupType:                             4, // index slow, search slow, application, audit
		"aws:cloudwatch/logResourcePolicy:LogResourcePolicy": 1,
		domainType: 1,
		"aws:opensearch/domainPolicy:DomainPolicy": 1,
	}, p.ChildTypes("platform:search:Domain", "search"))
	for _, r := range p.Resources {
		assert.NotEqual(t, "aws:iam/serviceLinkedRole:ServiceLinkedRole", r.Type, "the account's service-linked role is not the component's")
	}
}

func TestDomainSecurity(t *testing.T) {
	p := planDomain(t, nil)
	d := domainOf(t, p)
	assert.Equal(t, "platform-prod-use1-search", d.Inputs["domainName"])
	assert.Equal(t, "OpenSearch_2.19", d.Inputs["engineVersion"])
	assert.Equal(t, map[string]any{"enabled": true, "kmsKeyId": logsKey}, d.Inputs["encryptAtRest"])
	assert.Equal(t, map[string]any{"enabled": true}, d.Inputs["nodeToNodeEncryption"])
	assert.Equal(t, true, plantest.Input(d, "domainEndpointOptions", "enforceHttps"))
	assert.Equal(t, "Policy-Min-TLS-1-2-PFS-2023-10", plantest.Input(d, "domainEndpointOptions", "tlsSecurityPolicy"))
	assert.Equal(t, map[string]any{
		"enabled":                     true,
		"internalUserDatabaseEnabled": false,
		"anonymousAuthEnabled":        false,
		"masterUserOptions":           map[string]any{"masterUserArn": adminRole},
	}, d.Inputs["advancedSecurityOptions"])
	assert.Equal(t, []any{"subnet-a", "subnet-b", "subnet-c"}, plantest.Input(d, "vpcOptions", "subnetIds"))
	assert.Equal(t, []any{"search-sg-id"}, plantest.Input(d, "vpcOptions", "securityGroupIds"))
	assert.NotContains(t, d.Inputs, "accessPolicies", "the access policy is the DomainPolicy's alone")
	assert.Equal(t, true, plantest.Input(d, "softwareUpdateOptions", "autoSoftwareUpdateEnabled"))
	assert.True(t, d.Protect, "protected under the switch")
	assert.True(t, d.RetainOnDelete, "never deleted with the program")

	lp, ok := p.Named("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "search-logs")
	require.True(t, ok)
	assert.Contains(t, d.DependsOn, lp.URN, "OpenSearch checks it may write its log groups when the domain is created")

	unprotected := domainOf(t, planDomain(t, func(a *DomainArgs) { a.Protect = false }))
	assert.False(t, unprotected.Protect)
	assert.True(t, unprotected.RetainOnDelete, "retained even unprotected")
}

func TestDomainAvailability(t *testing.T) {
	d := domainOf(t, planDomain(t, func(a *DomainArgs) { a.InstanceCount = 6 }))
	assert.Equal(t, map[string]any{
		"instanceType":              "r7g.large.search",
		"instanceCount":             6.0,
		"dedicatedMasterEnabled":    true,
		"dedicatedMasterType":       "m7g.large.search",
		"dedicatedMasterCount":      3.0,
		"zoneAwarenessEnabled":      true,
		"zoneAwarenessConfig":       map[string]any{"availabilityZoneCount": 3.0},
		"multiAzWithStandbyEnabled": true,
	}, d.Inputs["clusterConfig"])
	assert.Equal(t, map[string]any{"ebsEnabled": true, "volumeType": "gp3", "volumeSize": 100.0, "iops": 3000.0, "throughput": 125.0}, d.Inputs["ebsOptions"])
	assert.Equal(t, map[string]any{"desiredState": "ENABLED", "useOffPeakWindow": true}, d.Inputs["autoTuneOptions"])
	assert.Equal(t, map[string]any{"enabled": true, "offPeakWindow": map[string]any{"windowStartTime": map[string]any{"hours": 4.0, "minutes": 0.0}}}, d.Inputs["offPeakWindowOptions"])

	tuned := domainOf(t, planDomain(t, func(a *DomainArgs) { a.VolumeGi, a.VolumeIops, a.VolumeThroughputMiB = 500, 6000, 250 }))
	assert.Equal(t, map[string]any{"ebsEnabled": true, "volumeType": "gp3", "volumeSize": 500.0, "iops": 6000.0, "throughput": 250.0}, tuned.Inputs["ebsOptions"])

	// Outside production: two zones, no dedicated masters, a burstable
	// type. Zone awareness stays on; standby and Auto-Tune cannot.
	dev := domainOf(t, planDomain(t, func(a *DomainArgs) {
		a.Production, a.DedicatedMasters, a.MasterType = false, false, ""
		a.AZCount, a.InstanceCount, a.InstanceType = 2, 4, "t3.medium.search"
		a.SubnetIDs = pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b")}
	}))
	cluster := dev.Inputs["clusterConfig"].(map[string]any)
	assert.Equal(t, false, cluster["dedicatedMasterEnabled"])
	assert.NotContains(t, cluster, "dedicatedMasterCount")
	assert.Equal(t, true, cluster["zoneAwarenessEnabled"])
	assert.Equal(t, map[string]any{"availabilityZoneCount": 2.0}, cluster["zoneAwarenessConfig"])
	assert.Equal(t, false, cluster["multiAzWithStandbyEnabled"])
	assert.Equal(t, map[string]any{"desiredState": "DISABLED"}, dev.Inputs["autoTuneOptions"], "t2/t3 do not run Auto-Tune")
}

func TestStandby(t *testing.T) {
	a := baseArgs().withDefaults()
	assert.True(t, standby(a))
	for name, mutate := range map[string]func(*DomainArgs){
		"two zones":         func(a *DomainArgs) { a.AZCount = 2 },
		"no masters":        func(a *DomainArgs) { a.DedicatedMasters = false },
		"burstable data":    func(a *DomainArgs) { a.InstanceType = "t3.medium.search" },
		"burstable masters": func(a *DomainArgs) { a.MasterType = "t3.medium.search" },
		"opensearch 1.2":    func(a *DomainArgs) { a.EngineVersion = "OpenSearch_1.2" },
	} {
		b := a
		mutate(&b)
		assert.False(t, standby(b), name)
	}
	a.EngineVersion = "OpenSearch_3.5"
	assert.True(t, standby(a))
}

func TestLogGroupsAndPublishing(t *testing.T) {
	p := planDomain(t, nil)
	d := domainOf(t, p)
	published := map[string]string{}
	for _, o := range d.Inputs["logPublishingOptions"].([]any) {
		m := o.(map[string]any)
		assert.Equal(t, true, m["enabled"], m["logType"])
		published[m["logType"].(string)] = m["cloudwatchLogGroupArn"].(string)
	}
	want := map[string]string{
		"INDEX_SLOW_LOGS":     "index-slow",
		"SEARCH_SLOW_LOGS":    "search-slow",
		"ES_APPLICATION_LOGS": "application",
		"AUDIT_LOGS":          "audit",
	}
	require.Len(t, published, len(want))
	for logType, suffix := range want {
		g, ok := p.Named(groupType, "search-"+suffix)
		require.True(t, ok, suffix)
		name := "/platform/prod/use1/opensearch/search/" + suffix
		assert.Equal(t, name, g.Inputs["name"])
		assert.Equal(t, logsKey, g.Inputs["kmsKeyId"], "encrypted with the logs key")
		assert.Equal(t, 365.0, g.Inputs["retentionInDays"], "audit evidence is kept a year")
		assert.True(t, g.RetainOnDelete, "the audit log outlives the component")
		assert.Equal(t, "arn:aws:logs:us-east-1:111122223333:log-group:"+name, published[logType], logType+" goes to its own group")
	}

	longer := planDomain(t, func(a *DomainArgs) { a.LogRetentionDays = 731 })
	audit, _ := longer.Named(groupType, "search-audit")
	assert.Equal(t, 731.0, audit.Inputs["retentionInDays"])
}

func TestLogResourcePolicyScope(t *testing.T) {
	p := planDomain(t, nil)
	lp, _ := p.Named("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "search-logs")
	assert.Equal(t, "platform-prod-use1-search-opensearch-logs", lp.Inputs["policyName"])
	st := statements(t, lp.Inputs["policyDocument"])
	require.Len(t, st, 1)
	assert.Equal(t, "Allow", st[0].Effect)
	assert.Equal(t, map[string]any{"Service": "es.amazonaws.com"}, st[0].Principal)
	assert.ElementsMatch(t, []any{"logs:CreateLogStream", "logs:PutLogEvents"}, st[0].Action)
	var groups []any
	for _, suffix := range []string{"index-slow", "search-slow", "application", "audit"} {
		groups = append(groups, "arn:aws:logs:us-east-1:111122223333:log-group:/platform/prod/use1/opensearch/search/"+suffix+":*")
	}
	assert.ElementsMatch(t, groups, st[0].Resource, "only the domain's own groups, never arn:aws:logs:*")
	assert.Equal(t, "111122223333", st[0].Condition["StringEquals"]["aws:SourceAccount"])
	assert.Equal(t, domainARN, st[0].Condition["ArnLike"]["aws:SourceArn"], "only this domain may write")
}

func TestAccessPolicyNamesRolesOnly(t *testing.T) {
	p := planDomain(t, nil)
	dp, ok := p.Named("aws:opensearch/domainPolicy:DomainPolicy", "search")
	require.True(t, ok)
	assert.Equal(t, "platform-prod-use1-search", dp.Inputs["domainName"])
	st := statements(t, dp.Inputs["accessPolicies"])
	bySid := map[string]statement{}
	for _, s := range st {
		bySid[s.Sid] = s
		assert.Equal(t, "Allow", s.Effect)
		assert.Equal(t, domainARN+"/*", s.Resource, s.Sid)
		aws, ok := s.Principal["AWS"]
		require.True(t, ok, "%s names AWS principals", s.Sid)
		principals, isList := aws.([]any)
		if !isList {
			principals = []any{aws}
		}
		for _, principal := range principals {
			arn, _ := principal.(string)
			assert.NotEqual(t, "*", arn, s.Sid)
			assert.True(t, strings.HasPrefix(arn, "arn:aws:iam::111122223333:role/"), "%s: %v", s.Sid, principal)
		}
		assert.Len(t, s.Principal, 1, "%s names AWS roles only", s.Sid)
	}
	require.Len(t, bySid, 3)
	assert.Equal(t, adminRole, bySid["PlatformAdmin"].Principal["AWS"])
	assert.Equal(t, "es:ESHttp*", bySid["PlatformAdmin"].Action)
	assert.Equal(t, fluentBit, bySid["LogShippersWrite"].Principal["AWS"])
	assert.Equal(t, []any{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut"}, bySid["LogShippersWrite"].Action)
	assert.Equal(t, auditor, bySid["AuditorsRead"].Principal["AWS"])
	assert.Equal(t, []any{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"}, bySid["AuditorsRead"].Action, "readers cannot PUT or DELETE")

	noReaders := planDomain(t, func(a *DomainArgs) { a.ReaderRoleArns = nil })
	dp, _ = noReaders.Named("aws:opensearch/domainPolicy:DomainPolicy", "search")
	assert.Len(t, statements(t, dp.Inputs["accessPolicies"]), 2, "no reader statement without readers")
}

// AccessPolicy is also what guards values known only at deploy: a role
// ARN that resolves to a wildcard or nothing fails instead of opening the
// domain.
func TestAccessPolicyRejectsWildcards(t *testing.T) {
	_, err := AccessPolicy(domainARN, []string{"*", "arn:aws:iam::111122223333:role/*"}, []string{fluentBit, ""}, []string{"arn:aws:iam::111122223333:user/bob"})
	require.Error(t, err)
	for _, want := range []string{`masterRoleArn: the access policy names IAM roles only, got "*"`, `adminRoleArns[0]`, `writerRoleArns[1]`, `readerRoleArns[0]`} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = AccessPolicy(domainARN, []string{adminRole}, nil, nil)
	assert.ErrorContains(t, err, "writerRoleArns: name at least one writer")
}

func TestSecurityGroupAdmitsHTTPSFromTheVPCOnly(t *testing.T) {
	p := planDomain(t, nil)
	sg, ok := p.Named("aws:ec2/securityGroup:SecurityGroup", "search-sg")
	require.True(t, ok)
	assert.Equal(t, "vpc-1", sg.Inputs["vpcId"])
	assert.Equal(t, "platform-prod-use1-search-opensearch", sg.Inputs["name"])
	assert.NotEmpty(t, sg.Inputs["description"])
	ingress := sg.Inputs["ingress"].([]any)
	require.Len(t, ingress, 1)
	rule := ingress[0].(map[string]any)
	assert.NotEmpty(t, rule["description"])
	assert.Equal(t, "tcp", rule["protocol"])
	assert.Equal(t, 443.0, rule["fromPort"])
	assert.Equal(t, 443.0, rule["toPort"])
	assert.Equal(t, []any{vpcCidr}, rule["cidrBlocks"])
	assert.Equal(t, []any{}, sg.Inputs["egress"], "the domain initiates nothing")
}

func TestDomainNames(t *testing.T) {
	n := plantest.Namer("us-east-1")
	assert.Equal(t, "platform-prod-use1-search", DomainName(n, "search"))
	assert.Equal(t, domainARN, DomainArn(n, "search"))
	long := DomainName(n, "audit-and-security-search")
	assert.LessOrEqual(t, len(long), 28, "OpenSearch allows 28 characters")
	assert.Regexp(t, `^[a-z][a-z0-9-]{2,27}$`, long)
	assert.NotEqual(t, long, DomainName(n, "audit-and-security-searches"), "cut names stay distinct")
	assert.Equal(t, "arn:aws:es:us-west-2:111122223333:domain/platform-prod-usw2-search", DomainArn(n.InRegion("us-west-2"), "search"))
}

func TestISMPolicy(t *testing.T) {
	doc, err := ISMPolicy(400, []string{"audit-*", "security-*"})
	require.NoError(t, err)
	var parsed struct {
		Policy struct {
			Description  string `json:"description"`
			DefaultState string `json:"default_state"`
			States       []struct {
				Name        string           `json:"name"`
				Actions     []map[string]any `json:"actions"`
				Transitions []struct {
					StateName  string            `json:"state_name"`
					Conditions map[string]string `json:"conditions"`
				} `json:"transitions"`
			} `json:"states"`
			ISMTemplate []struct {
				IndexPatterns []string `json:"index_patterns"`
				Priority      int      `json:"priority"`
			} `json:"ism_template"`
		} `json:"policy"`
	}
	require.NoError(t, json.Unmarshal([]byte(doc), &parsed))
	pol := parsed.Policy
	assert.Equal(t, "hot", pol.DefaultState)
	require.Len(t, pol.States, 2)
	hot, del := pol.States[0], pol.States[1]
	assert.Equal(t, "hot", hot.Name)
	require.Len(t, hot.Transitions, 1)
	assert.Equal(t, "delete", hot.Transitions[0].StateName)
	assert.Equal(t, map[string]string{"min_index_age": "400d"}, hot.Transitions[0].Conditions, "deleted 400 days after creation")
	assert.Equal(t, "delete", del.Name)
	assert.Equal(t, []map[string]any{{"delete": map[string]any{}}}, del.Actions)
	assert.Empty(t, del.Transitions, "delete is the last state")
	require.Len(t, pol.ISMTemplate, 1)
	assert.Equal(t, []string{"audit-*", "security-*"}, pol.ISMTemplate[0].IndexPatterns)
	assert.Equal(t, 100, pol.ISMTemplate[0].Priority)
	assert.Contains(t, doc, `"transitions":[]`, "an empty list, not null")

	var domain *Domain
	plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		var err error
		domain, err = NewDomain(ctx, "search", baseArgs(), prov)
		return err
	})
	assert.Contains(t, domain.IndexPolicy, `"min_index_age":"365d"`, "the domain's default retention")
	assert.Contains(t, domain.IndexPolicy, `"index_patterns":["eks-audit-*","security-*"]`, "the shippers' indices by default")
}

func TestISMPolicyRejects(t *testing.T) {
	tests := []struct {
		name     string
		days     int
		patterns []string
		want     string
	}{
		{"no retention", 0, []string{"audit-*"}, "retentionDays: must be at least 1, got 0"},
		{"no patterns", 365, nil, "indexPatterns: name at least one index pattern"},
		{"every index", 365, []string{"*"}, `indexPatterns[0]: "*" would delete every index`},
		{"system index", 365, []string{"audit-*", ".opendistro-*"}, `indexPatterns[1]: must be a lower-case index pattern`},
		{"upper case", 365, []string{"Audit-*"}, `indexPatterns[0]: must be a lower-case index pattern`},
		{"a list in one pattern", 365, []string{"audit-*,security-*"}, `indexPatterns[0]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ISMPolicy(tt.days, tt.patterns)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestValidationReportsEveryProblem(t *testing.T) {
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		_, err := NewDomain(ctx, "search", &DomainArgs{})
		return err
	},
		"namer: project, account id and region are required",
		`engineVersion: must be a pinned OpenSearch version such as OpenSearch_2.19, got ""`,
		`instanceType: must be an OpenSearch instance type`,
		"instanceCount: at least 3 data nodes",
		"kmsKeyArn: is required",
		"subnetIds: are required",
		"vpcId: is required",
		`vpcCidr: must be the VPC's private CIDR block`,
		"masterRoleArn: is required",
		"writerRoleArns: name the log shippers' roles",
	)
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*DomainArgs)
		want   []string
	}{
		{"production needs masters", func(a *DomainArgs) { a.DedicatedMasters = false }, []string{"dedicatedMasters: production requires dedicated master nodes"}},
		{"production needs three zones", func(a *DomainArgs) {
			a.AZCount, a.InstanceCount = 2, 4
			a.SubnetIDs = pulumi.StringArray{pulumi.String("a"), pulumi.String("b")}
		}, []string{"azCount: production spans 3 availability zones, got 2"}},
		{"production needs non-burstable types", func(a *DomainArgs) { a.InstanceType, a.MasterType = "t3.medium.search", "t3.small.search" },
			[]string{`instanceType: production needs a non-burstable type`, `masterType: production needs a non-burstable type`}},
		{"four zones", func(a *DomainArgs) { a.Production, a.AZCount, a.InstanceCount = false, 4, 4 }, []string{"azCount: must be 2 or 3 (zone awareness spans two or three zones), got 4"}},
		{"nodes not a multiple of the zones", func(a *DomainArgs) { a.InstanceCount = 4 }, []string{"instanceCount: must be a multiple of azCount (3) so every zone holds the same share, got 4"}},
		{"two nodes", func(a *DomainArgs) { a.InstanceCount = 2 }, []string{"instanceCount: at least 3 data nodes"}},
		{"five masters", func(a *DomainArgs) { a.MasterCount = 5 }, []string{"masterCount: must be 3, one dedicated master per zone, got 5"}},
		{"masters without a type", func(a *DomainArgs) { a.MasterType = "" }, []string{`masterType: must be an OpenSearch instance type`}},
		{"elasticsearch", func(a *DomainArgs) { a.EngineVersion = "Elasticsearch_7.10" }, []string{`engineVersion: must be a pinned OpenSearch version such as OpenSearch_2.19, got "Elasticsearch_7.10"`}},
		{"floating version", func(a *DomainArgs) { a.EngineVersion = "OpenSearch_2" }, []string{`engineVersion: must be a pinned OpenSearch version`}},
		{"log retention below a year", func(a *DomainArgs) { a.LogRetentionDays = 180 }, []string{"logRetentionDays: must be a CloudWatch Logs retention of at least 365 days"}},
		{"log retention CloudWatch refuses", func(a *DomainArgs) { a.LogRetentionDays = 500 }, []string{"logRetentionDays: must be a CloudWatch Logs retention of at least 365 days (365, 400, 545, 731, ...), got 500"}},
		{"index retention below a year", func(a *DomainArgs) { a.RetentionDays = 90 }, []string{"retentionDays: audit and security indices are kept at least 365 days, got 90"}},
		{"index pattern of everything", func(a *DomainArgs) { a.IndexPatterns = []string{"audit-*", "*"} }, []string{`indexPatterns[1]: "*" would delete every index`}},
		{"tls 1.0 policy", func(a *DomainArgs) { a.TLSSecurityPolicy = "Policy-Min-TLS-1-0-2019-07" }, []string{`tlsSecurityPolicy: must be one of Policy-Min-TLS-1-2-PFS-2023-10, Policy-Min-TLS-1-2-2019-07 (TLS 1.2 or later), got "Policy-Min-TLS-1-0-2019-07"`}},
		{"wildcard writer", func(a *DomainArgs) {
			a.WriterRoleArns = []pulumi.StringInput{pulumi.String(fluentBit), pulumi.String("*")}
		}, []string{`writerRoleArns[1]: must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), never a wildcard, got "*"`}},
		{"nil reader", func(a *DomainArgs) { a.ReaderRoleArns = []pulumi.StringInput{nil} }, []string{"readerRoleArns[0]: is nil: name an IAM role"}},
		{"user as master", func(a *DomainArgs) { a.MasterRoleArn = pulumi.String("arn:aws:iam::111122223333:user/admin") }, []string{"masterRoleArn: must be an IAM role ARN"}},
		{"key id instead of arn", func(a *DomainArgs) { a.KmsKeyArn = pulumi.String("alias/logs") }, []string{`kmsKeyArn: give the key's ARN, not its id or alias (the domain reports the ARN), got "alias/logs"`}},
		{"a subnet per zone", func(a *DomainArgs) { a.SubnetIDs = pulumi.StringArray{pulumi.String("subnet-a")} }, []string{"subnetIds: give one private subnet per zone (3), got 1"}},
		{"public cidr", func(a *DomainArgs) { a.VpcCidr = "0.0.0.0/0" }, []string{`vpcCidr: must be the VPC's private CIDR block, the only source admitted on 443, got "0.0.0.0/0"`}},
		{"small volume", func(a *DomainArgs) { a.VolumeGi, a.VolumeIops, a.VolumeThroughputMiB = 5, 1000, 100 },
			[]string{"volumeGi: must be at least 10, got 5", "volumeIops: gp3 gives at least 3000, got 1000", "volumeThroughputMiB: gp3 gives at least 125, got 100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(args)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewDomain(ctx, "search", args)
				return err
			}, tt.want...)
		})
	}
}

func TestValidArgs(t *testing.T) {
	require.NoError(t, baseArgs().withDefaults().Validate())
	dev := baseArgs()
	dev.Production, dev.DedicatedMasters, dev.MasterType = false, false, ""
	dev.AZCount, dev.InstanceCount, dev.InstanceType = 2, 4, "t3.medium.search"
	dev.SubnetIDs = pulumi.StringArray{pulumi.String("a"), pulumi.String("b")}
	assert.NoError(t, dev.withDefaults().Validate(), "development may use two zones and burstable nodes")
}

// TestPackPassesTheDomain: the policy pack (controls 8, 59 and 78 among
// others) finds nothing to fault in what the component creates, and
// decides every check on it.
func TestPackPassesTheDomain(t *testing.T) {
	p := planDomain(t, nil)
	r := policies.Evaluate(policies.FromPlan(p), policies.Options{Project: "platform", Stack: "test"})
	for _, v := range r.Violations {
		t.Errorf("%s on %s: %s", v.Policy, v.Name, v.Message)
	}
	for _, u := range r.Undecided {
		t.Errorf("undecided: %s on %s: %s", u.Policy, u.Name, u.Message)
	}
}
