package synthetics

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
	"platform/internal/policydoc"
)

const (
	dataKey   = "arn:aws:kms:us-east-1:111122223333:key/data"
	pageTopic = "arn:aws:sns:us-east-1:111122223333:page"
	ticket    = "arn:aws:sns:us-east-1:111122223333:ticket"
	boundary  = "arn:aws:iam::111122223333:policy/platform-prod-use1-permission-boundary"
	logBucket = "platform-prod-use1-access-logs-111122223333"

	tAlarm   = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tCanary  = "aws:synthetics/canary:Canary"
	tPolicy  = "aws:iam/rolePolicy:RolePolicy"
	tRole    = "aws:iam/role:Role"
	tSG      = "aws:ec2/securityGroup:SecurityGroup"
	tObject  = "aws:s3/bucketObjectv2:BucketObjectv2"
	tBucket  = "aws:s3/bucketV2:BucketV2"
	tLifecyc = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
)

func canariesArgs() *CanariesArgs {
	return &CanariesArgs{
		Namer:                 plantest.Namer("us-east-1"),
		ArtifactKmsKeyArn:     pulumi.String(dataKey),
		AccessLogBucket:       pulumi.String(logBucket),
		PermissionBoundaryArn: pulumi.String(boundary),
		PageTopicArn:          pulumi.String(pageTopic),
		Canaries: []Canary{
			{Name: "api", URL: "https://api.example.com/healthz", Schedule: "rate(1 minute)"},
			{Name: "api-internal", URL: "https://internal.example.com/ready?deep=1", Schedule: "rate(5 minutes)", ExpectStatus: 204, VPC: true},
		},
		SubnetIDs: pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b"), pulumi.String("subnet-c")},
		VpcID:     pulumi.String("vpc-1"),
		Runbook:   canaryRunbook,
	}
}

const (
	canaryRunbook  = "https://github.com/example-fintech/platform/blob/main/docs/runbooks/canary-failing.md"
	anomalyRunbook = "https://github.com/example-fintech/platform/blob/main/docs/runbooks/anomaly-alarm.md"
)

// planCanaries plans the component and returns its alarm ARNs as resolved.
func planCanaries(t *testing.T, mutate func(*CanariesArgs)) (*plan.Plan, map[string]string) {
	t.Helper()
	args := canariesArgs()
	if mutate != nil {
		mutate(args)
	}
	var mu sync.Mutex
	alarms := map[string]string{}
	p := plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		c, err := NewCanaries(ctx, "canaries", args, prov)
		if err != nil {
			return err
		}
		for name, arn := range c.Alarms {
			arn.ApplyT(func(v string) string {
				mu.Lock()
				defer mu.Unlock()
				alarms[name] = v
				return v
			})
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	return p, alarms
}

func TestCanariesChildren(t *testing.T) {
	p, _ := planCanaries(t, nil)
	assert.Equal(t, map[string]int{
		"platform:storage:Bucket": 2, // artifacts and scripts
		tObject:                   1, // one script for every canary
		tRole:                     1,
		tPolicy:                   1,
		tSG:                       1, // a canary runs in the VPC
		tCanary:                   2,
		tAlarm:                    2,
	}, p.ChildTypes("platform:synthetics:Canaries", "canaries"))

	p, _ = planCanaries(t, func(a *CanariesArgs) { a.Canaries = a.Canaries[:1] })
	assert.Zero(t, p.ChildTypes("platform:synthetics:Canaries", "canaries")[tSG], "no security group without a VPC canary")
}

func TestArtifactBucket(t *testing.T) {
	p, _ := planCanaries(t, nil)
	b := plantest.Named(t, p, tBucket, "canaries-artifacts")
	assert.Equal(t, "platform-prod-use1-canary-artifacts-111122223333", b.Inputs["bucket"])
	sse := plantest.Named(t, p, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "canaries-artifacts")
	assert.Equal(t, "aws:kms", plantest.Input(sse, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
	assert.Equal(t, dataKey, plantest.Input(sse, "rules", 0, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"))
	logging := plantest.Named(t, p, "aws:s3/bucketLoggingV2:BucketLoggingV2", "canaries-artifacts")
	assert.Equal(t, logBucket, logging.Inputs["targetBucket"], "access to the artifacts is logged")
	plantest.Named(t, p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "canaries-artifacts")

	lc := plantest.Named(t, p, tLifecyc, "canaries-artifacts")
	assert.Equal(t, 31.0+ArtifactGraceDays, plantest.Input(lc, "rules", 0, "expiration", "days"), "artifacts expire a grace after the longer canary retention by default")
	assert.Equal(t, 7.0, plantest.Input(lc, "rules", 0, "noncurrentVersionExpiration", "noncurrentDays"), "expired artifacts do not linger a year")
	assert.Nil(t, plantest.Input(lc, "rules", 0, "transitions"), "the console reads artifacts: never Glacier")
	assert.Equal(t, 7.0, plantest.Input(lc, "rules", 0, "abortIncompleteMultipartUpload", "daysAfterInitiation"))

	p, _ = planCanaries(t, func(a *CanariesArgs) { a.FailureRetentionDays = 60 })
	lc = plantest.Named(t, p, tLifecyc, "canaries-artifacts")
	assert.Equal(t, 60.0+ArtifactGraceDays, plantest.Input(lc, "rules", 0, "expiration", "days"), "the default follows the longer retention")

	p, _ = planCanaries(t, func(a *CanariesArgs) { a.ArtifactRetentionDays = 120; a.Protect = true })
	lc = plantest.Named(t, p, tLifecyc, "canaries-artifacts")
	assert.Equal(t, 120.0, plantest.Input(lc, "rules", 0, "expiration", "days"))
	assert.True(t, plantest.Named(t, p, tBucket, "canaries-artifacts").Protect)
	assert.True(t, plantest.Named(t, p, tBucket, "canaries-scripts").Protect)

	// The script bucket keeps its objects: canaries read them again on
	// every code or runtime update.
	scripts := plantest.Named(t, p, tLifecyc, "canaries-scripts")
	assert.Nil(t, plantest.Input(scripts, "rules", 0, "expiration"))
	sse = plantest.Named(t, p, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "canaries-scripts")
	assert.Equal(t, dataKey, plantest.Input(sse, "rules", 0, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"))
}

func TestScriptObject(t *testing.T) {
	p, _ := planCanaries(t, nil)
	obj := plantest.Named(t, p, tObject, "canaries-script")
	assert.Equal(t, "platform-prod-use1-canary-scripts-111122223333", obj.Inputs["bucket"])
	assert.Equal(t, "aws:kms", obj.Inputs["serverSideEncryption"])
	assert.Equal(t, dataKey, obj.Inputs["kmsKeyId"])
	assert.Regexp(t, `^http-check/[0-9a-f]{16}\.zip$`, obj.Inputs["key"], "the key names the content")

	raw, err := base64.StdEncoding.DecodeString(obj.Inputs["contentBase64"].(string))
	require.NoError(t, err)
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	require.NoError(t, err)
	require.Len(t, zr.File, 1)
	assert.Equal(t, "nodejs/node_modules/httpCheck.js", zr.File[0].Name, "the layout Node.js canaries load")
	f, err := zr.File[0].Open()
	require.NoError(t, err)
	body, err := io.ReadAll(f)
	require.NoError(t, err)
	assert.Equal(t, httpCheck, string(body))
	assert.Equal(t, scriptArchive(), scriptArchive(), "the archive is the same on every run")

	// The script checks the status against EXPECT_STATUS and refuses
	// plain HTTP.
	assert.Contains(t, httpCheck, "res.statusCode !== expected")
	assert.Contains(t, httpCheck, "process.env.EXPECT_STATUS")
	assert.Contains(t, httpCheck, "url.protocol !== 'https:'")
	assert.Contains(t, httpCheck, "require('@aws/synthetics-puppeteer')")
}

// stubSynthetics stands in for the runtime's modules: executeHttpStep
// answers with the status in STUB_STATUS.
const stubSynthetics = `
const { EventEmitter } = require('events');
exports.getConfiguration = () => ({ setConfig: (c) => { if (c.includeResponseBody !== false) throw new Error('bodies must stay out of artifacts'); } });
exports.getCanaryUserAgentString = () => 'CloudWatchSynthetics/test';
exports.executeHttpStep = async (name, req, cb) => {
  if (req.protocol !== 'https:' || req.method !== 'GET') throw new Error('not an https GET');
  const res = new EventEmitter();
  res.statusCode = Number(process.env.STUB_STATUS);
  res.resume = () => setImmediate(() => res.emit('end'));
  return cb(res);
};
`

// TestScriptRuns runs httpCheck.js with node against stubs of the
// Synthetics modules; make test-rules requires node.
func TestScriptRuns(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("PLATFORM_RULES_REQUIRE") != "" {
			t.Fatal("node is missing: apt-get install nodejs")
		}
		t.Skip("node is missing")
	}
	dir := t.TempDir()
	modules := filepath.Join(dir, "node_modules", "@aws")
	for mod, src := range map[string]string{
		"synthetics-puppeteer": stubSynthetics,
		"synthetics-logger":    "exports.info = () => {};",
	} {
		require.NoError(t, os.MkdirAll(filepath.Join(modules, mod), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(modules, mod, "index.js"), []byte(src), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "httpCheck.js"), []byte(httpCheck), 0o644))
	run := `require('./httpCheck.js').handler().then(() => console.log('PASS'), (e) => { console.log('FAIL ' + e.message); process.exit(1); });`
	for _, tc := range []struct {
		url, expect, status string
		pass                bool
		message             string
	}{
		{"https://api.example.com/healthz", "200", "200", true, "PASS"},
		{"https://api.example.com/healthz", "200", "503", false, "expected HTTP 200, got 503"},
		{"https://api.example.com/ready", "204", "200", false, "expected HTTP 204, got 200"},
		{"http://api.example.com/healthz", "200", "200", false, "TARGET_URL must be https"},
	} {
		cmd := exec.Command(node, "-e", run)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TARGET_URL="+tc.url, "EXPECT_STATUS="+tc.expect, "STUB_STATUS="+tc.status)
		out, err := cmd.CombinedOutput()
		assert.Equal(t, tc.pass, err == nil, "%s expecting %s, answered %s: %s", tc.url, tc.expect, tc.status, out)
		assert.Contains(t, string(out), tc.message)
	}
}

func TestCanaries(t *testing.T) {
	p, _ := planCanaries(t, nil)
	api := plantest.Named(t, p, tCanary, "canaries-api")
	assert.Equal(t, "api", api.Inputs["name"])
	assert.Equal(t, DefaultRuntimeVersion, api.Inputs["runtimeVersion"])
	assert.Equal(t, "syn-nodejs-puppeteer-15.0", api.Inputs["runtimeVersion"])
	assert.Equal(t, "httpCheck.handler", api.Inputs["handler"])
	assert.Equal(t, "platform-prod-use1-canary-scripts-111122223333", api.Inputs["s3Bucket"])
	assert.Regexp(t, `^http-check/`, api.Inputs["s3Key"])
	assert.Nil(t, api.Inputs["zipFile"], "no local file")
	assert.Equal(t, "arn:aws:iam::111122223333:role/platform-prod-use1-canaries", api.Inputs["executionRoleArn"])
	assert.Equal(t, "rate(1 minute)", plantest.Input(api, "schedule", "expression"))
	assert.Equal(t, 0.0, plantest.Input(api, "schedule", "durationInSeconds"), "runs until stopped")
	assert.Equal(t, "s3://platform-prod-use1-canary-artifacts-111122223333/api", api.Inputs["artifactS3Location"])
	assert.Equal(t, "SSE_KMS", plantest.Input(api, "artifactConfig", "s3Encryption", "encryptionMode"))
	assert.Equal(t, dataKey, plantest.Input(api, "artifactConfig", "s3Encryption", "kmsKeyArn"))
	assert.Equal(t, 14.0, api.Inputs["successRetentionPeriod"])
	assert.Equal(t, 31.0, api.Inputs["failureRetentionPeriod"])
	assert.Equal(t, true, api.Inputs["startCanary"])
	assert.Equal(t, true, api.Inputs["deleteLambda"], "no orphaned Lambda functions")
	assert.Equal(t, true, plantest.Input(api, "runConfig", "activeTracing"))
	assert.Equal(t, 60.0, plantest.Input(api, "runConfig", "timeoutInSeconds"))
	assert.Equal(t, map[string]any{"TARGET_URL": "https://api.example.com/healthz", "EXPECT_STATUS": "200"},
		plantest.Input(api, "runConfig", "environmentVariables"), "the status defaults to 200")
	assert.Nil(t, api.Inputs["vpcConfig"], "runs from the internet")
	assert.Contains(t, api.DependsOn, plantest.Named(t, p, tPolicy, "canaries").URN, "permissions exist before the first run")

	internal := plantest.Named(t, p, tCanary, "canaries-api-internal")
	assert.Equal(t, "rate(5 minutes)", plantest.Input(internal, "schedule", "expression"))
	assert.Equal(t, "s3://platform-prod-use1-canary-artifacts-111122223333/api-internal", internal.Inputs["artifactS3Location"])
	assert.Equal(t, "204", plantest.Input(internal, "runConfig", "environmentVariables", "EXPECT_STATUS"))
	assert.Equal(t, "https://internal.example.com/ready?deep=1", plantest.Input(internal, "runConfig", "environmentVariables", "TARGET_URL"))
	assert.Equal(t, "vpc-1", plantest.Input(internal, "vpcConfig", "vpcId"))
	assert.Equal(t, []any{"subnet-a", "subnet-b", "subnet-c"}, plantest.Input(internal, "vpcConfig", "subnetIds"))
	assert.Equal(t, []any{plantest.Named(t, p, tSG, "canaries-sg").ID}, plantest.Input(internal, "vpcConfig", "securityGroupIds"))

	p, _ = planCanaries(t, func(a *CanariesArgs) {
		a.SuccessRetentionDays, a.FailureRetentionDays, a.ArtifactRetentionDays = 7, 60, 120
		a.RuntimeVersion = "syn-nodejs-puppeteer-13.1"
	})
	api = plantest.Named(t, p, tCanary, "canaries-api")
	assert.Equal(t, 7.0, api.Inputs["successRetentionPeriod"])
	assert.Equal(t, 60.0, api.Inputs["failureRetentionPeriod"])
	assert.Equal(t, "syn-nodejs-puppeteer-13.1", api.Inputs["runtimeVersion"], "pinned from config")
}

func TestCanarySecurityGroup(t *testing.T) {
	p, _ := planCanaries(t, nil)
	sg := plantest.Named(t, p, tSG, "canaries-sg")
	assert.Equal(t, "vpc-1", sg.Inputs["vpcId"])
	assert.Equal(t, "platform-prod-use1-canaries", sg.Inputs["name"])
	assert.NotEmpty(t, sg.Inputs["description"])
	assert.Empty(t, sg.Inputs["ingress"], "nothing connects to a canary")
	egress, _ := sg.Inputs["egress"].([]any)
	require.Len(t, egress, 1)
	rule := egress[0].(map[string]any)
	assert.Equal(t, "tcp", rule["protocol"])
	assert.Equal(t, 443.0, rule["fromPort"])
	assert.Equal(t, 443.0, rule["toPort"])
	assert.NotEmpty(t, rule["description"], "every rule is described")
}

type policyStatement struct {
	Sid       string
	Effect    string
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i], _ = e.(string)
		}
		return out
	}
	return nil
}

func rolePolicy(t *testing.T, p *plan.Plan) map[string]policyStatement {
	t.Helper()
	var doc struct{ Statement []policyStatement }
	require.NoError(t, json.Unmarshal([]byte(plantest.Named(t, p, tPolicy, "canaries").Inputs["policy"].(string)), &doc))
	out := map[string]policyStatement{}
	for _, s := range doc.Statement {
		assert.Equal(t, policydoc.Allow, s.Effect)
		for _, a := range strs(s.Action) {
			assert.NotContains(t, a, "*", "statement %s grants a wildcard action", s.Sid)
		}
		out[s.Sid] = s
	}
	return out
}

func TestCanaryRole(t *testing.T) {
	p, _ := planCanaries(t, nil)
	role := plantest.Named(t, p, tRole, "canaries")
	assert.Equal(t, boundary, role.Inputs["permissionsBoundary"])
	var trust struct {
		Statement []struct {
			Principal map[string]string
			Action    string
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(role.Inputs["assumeRolePolicy"].(string)), &trust))
	require.Len(t, trust.Statement, 1)
	assert.Equal(t, "lambda.amazonaws.com", trust.Statement[0].Principal["Service"])
	assert.Equal(t, "111122223333", trust.Statement[0].Condition["StringEquals"]["aws:SourceAccount"])

	st := rolePolicy(t, p)
	bucket := "arn:aws:s3:::platform-prod-use1-canary-artifacts-111122223333"
	assert.Equal(t, []string{"s3:PutObject"}, strs(st["WriteArtifacts"].Action))
	assert.Equal(t, []string{bucket + "/api/*", bucket + "/api-internal/*"}, strs(st["WriteArtifacts"].Resource), "each canary writes only its prefix")
	assert.Equal(t, []string{bucket}, strs(st["LocateArtifactBucket"].Resource))
	assert.Equal(t, []string{"kms:GenerateDataKey", "kms:Decrypt"}, strs(st["EncryptArtifacts"].Action))
	assert.Equal(t, []string{dataKey}, strs(st["EncryptArtifacts"].Resource))
	assert.Equal(t, "s3.us-east-1.amazonaws.com", st["EncryptArtifacts"].Condition["StringEquals"]["kms:ViaService"], "the key is usable through S3 only")
	assert.Equal(t, []string{
		"arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/cwsyn-api-*",
		"arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/cwsyn-api-internal-*",
	}, strs(st["Logs"].Resource))
	assert.ElementsMatch(t, []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}, strs(st["Logs"].Action))
	assert.Equal(t, "CloudWatchSynthetics", st["Metrics"].Condition["StringEquals"]["cloudwatch:namespace"], "metrics only in the Synthetics namespace")
	assert.Equal(t, []string{"xray:PutTraceSegments"}, strs(st["Tracing"].Action))
	assert.ElementsMatch(t, []string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"}, strs(st["VpcNetworkInterfaces"].Action))
	for sid, s := range st {
		if strs(s.Resource)[0] == "*" {
			assert.Contains(t, []string{"ListBuckets", "Metrics", "Tracing", "VpcNetworkInterfaces"}, sid, "only actions without resource-level permissions are on *")
		}
	}

	p, _ = planCanaries(t, func(a *CanariesArgs) { a.Canaries = a.Canaries[:1] })
	_, ok := rolePolicy(t, p)["VpcNetworkInterfaces"]
	assert.False(t, ok, "no network interface actions without a VPC canary")
}

func TestCanaryAlarms(t *testing.T) {
	p, arns := planCanaries(t, nil)
	for _, tc := range []struct {
		canary string
		period float64
	}{{"api", 60}, {"api-internal", 300}} {
		a := plantest.Named(t, p, tAlarm, "canaries-"+tc.canary)
		assert.Equal(t, "platform-prod-use1-canary-"+tc.canary, a.Inputs["name"])
		assert.True(t, strings.HasSuffix(a.Inputs["alarmDescription"].(string), "Runbook: "+canaryRunbook), "the page links its runbook")
		assert.Equal(t, "CloudWatchSynthetics", a.Inputs["namespace"])
		assert.Equal(t, "SuccessPercent", a.Inputs["metricName"])
		assert.Equal(t, map[string]any{"CanaryName": tc.canary}, a.Inputs["dimensions"])
		assert.Equal(t, "Average", a.Inputs["statistic"])
		assert.Equal(t, tc.period, a.Inputs["period"], "one run per period: the canary's interval")
		assert.Equal(t, 5.0, a.Inputs["evaluationPeriods"])
		assert.Equal(t, 3.0, a.Inputs["datapointsToAlarm"], "3 of 5 runs")
		assert.Equal(t, "LessThanThreshold", a.Inputs["comparisonOperator"])
		assert.Equal(t, 90.0, a.Inputs["threshold"])
		assert.Equal(t, "breaching", a.Inputs["treatMissingData"], "a silent canary is an outage of the probe")
		assert.Equal(t, []any{pageTopic}, a.Inputs["alarmActions"])
		assert.Equal(t, []any{pageTopic}, a.Inputs["okActions"])
		assert.Equal(t, "arn:aws:cloudwatch:us-east-1:111122223333:metricalarm/canaries-"+tc.canary+"-id", arns[tc.canary],
			"Alarms exposes each canary's alarm for the chaos stop conditions")
	}
	assert.Len(t, arns, 2)

	p, _ = planCanaries(t, func(a *CanariesArgs) { a.SuccessThreshold, a.AlarmPeriods, a.AlarmDatapoints = 100, 3, 2 })
	a := plantest.Named(t, p, tAlarm, "canaries-api")
	assert.Equal(t, 100.0, a.Inputs["threshold"])
	assert.Equal(t, 3.0, a.Inputs["evaluationPeriods"])
	assert.Equal(t, 2.0, a.Inputs["datapointsToAlarm"])
}

func TestInterval(t *testing.T) {
	for expr, want := range map[string]int{
		"rate(1 minute)": 60, "rate(5 minutes)": 300, "rate(60 minutes)": 3600, "rate(1 hour)": 3600,
		"rate(0 minute)": 0, "rate(61 minutes)": 0, "rate(2 hour)": 0, "rate(1 day)": 0,
		"cron(0/5 * * * ? *)": 0, "rate(99999999999999999999 minutes)": 0, "": 0,
	} {
		got, ok := interval(expr)
		assert.Equal(t, want, got, expr)
		assert.Equal(t, want > 0, ok, expr)
	}
}

func TestCanariesValidation(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*CanariesArgs)
		want   []string
	}{
		{"empty", func(a *CanariesArgs) { *a = CanariesArgs{} }, []string{
			"namer: account id and region are required",
			"artifactKmsKeyArn: is required",
			"accessLogBucket: is required",
			"permissionBoundaryArn: is required",
			"pageTopicArn: is required",
			"canaries: name at least one canary",
			`runbook: the https URL of the runbook a page links to, got ""`,
		}},
		{"names", func(a *CanariesArgs) {
			a.Canaries = []Canary{
				{Name: "API", URL: "https://a.example.com", Schedule: "rate(1 minute)"},
				{Name: "a-name-longer-than-21c", URL: "https://a.example.com", Schedule: "rate(1 minute)"},
				{Name: "dup", URL: "https://a.example.com", Schedule: "rate(1 minute)"},
				{Name: "dup", URL: "https://a.example.com", Schedule: "rate(1 minute)"},
			}
		}, []string{
			`canaries[0].name: must be 1-21 lower-case letters, digits, hyphens and underscores (the Synthetics limit), got "API"`,
			`canaries[1].name: must be 1-21`,
			`canaries[3].name: "dup" is used twice`,
		}},
		{"urls, schedules, statuses", func(a *CanariesArgs) {
			a.Canaries = []Canary{
				{Name: "plain", URL: "http://a.example.com", Schedule: "rate(1 minute)"},
				{Name: "creds", URL: "https://user:pw@a.example.com", Schedule: "cron(0 * * * ? *)", ExpectStatus: 700},
				{Name: "nohost", URL: "https:///path", Schedule: "rate(2 hours)"},
			}
		}, []string{
			`canaries[0].url: must be an https URL with a host and no credentials, got "http://a.example.com"`,
			`canaries[1].url: must be an https URL`,
			`canaries[1].schedule: must be a rate expression from rate(1 minute) to rate(60 minutes) or rate(1 hour), got "cron(0 * * * ? *)"`,
			`canaries[1].expectStatus: must be an HTTP status (100-599), got 700`,
			`canaries[2].url: must be an https URL`,
			`canaries[2].schedule: must be a rate expression`,
		}},
		{"vpc without network", func(a *CanariesArgs) { a.SubnetIDs, a.VpcID = nil, nil }, []string{
			"subnetIds: are required for VPC canaries",
			"vpcId: is required for VPC canaries",
		}},
		{"retention", func(a *CanariesArgs) {
			a.SuccessRetentionDays, a.FailureRetentionDays, a.ArtifactRetentionDays = 500, 100, 60
		}, []string{
			"successRetentionDays: must be 1 to 455 (the Synthetics range), got 500",
			"artifactRetentionDays: must exceed the canaries' retention (500 days), or S3 deletes artifacts of runs Synthetics still shows, got 60",
		}},
		{"artifacts shorter than failures", func(a *CanariesArgs) { a.FailureRetentionDays, a.ArtifactRetentionDays = 60, 45 }, []string{
			"artifactRetentionDays: must exceed the canaries' retention (60 days), or S3 deletes artifacts of runs Synthetics still shows, got 45",
		}},
		{"negative retention", func(a *CanariesArgs) { a.FailureRetentionDays = -1 }, []string{
			"failureRetentionDays: must be 1 to 455 (the Synthetics range), got -1",
		}},
		{"threshold and alarm shape", func(a *CanariesArgs) { a.SuccessThreshold, a.AlarmPeriods, a.AlarmDatapoints = 101, 2, 3 }, []string{
			"successThreshold: must be a SuccessPercent above 0 and at most 100, got 101",
			"alarmDatapoints: must be 1 to alarmPeriods (2), got 3",
		}},
		{"alarm longer than a day", func(a *CanariesArgs) {
			a.AlarmPeriods = 25
			a.Canaries = []Canary{{Name: "hourly", URL: "https://a.example.com", Schedule: "rate(1 hour)"}}
		}, []string{`canaries[0].schedule: alarmPeriods (25) intervals of "rate(1 hour)" exceed the one day an alarm can evaluate`}},
		{"old runtime", func(a *CanariesArgs) { a.RuntimeVersion = "syn-nodejs-puppeteer-13.0" }, []string{
			`runtimeVersion: must be syn-nodejs-puppeteer-13.1 or later (httpCheck.js uses the @aws/synthetics-* modules), got "syn-nodejs-puppeteer-13.0"`,
		}},
		{"other runtime", func(a *CanariesArgs) { a.RuntimeVersion = "syn-python-selenium-6.0" }, []string{
			`runtimeVersion: must be syn-nodejs-puppeteer-<major>.<minor>`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := canariesArgs()
			tc.mutate(args)
			require.Error(t, args.Validate())
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewCanaries(ctx, "canaries", args)
				return err
			}, tc.want...)
		})
	}
	assert.NoError(t, canariesArgs().Validate())
}

// planAnomaly plans the anomaly alarms and returns their ARNs.
func planAnomaly(t *testing.T, mutate func(*AnomalyArgs)) (*plan.Plan, []string) {
	t.Helper()
	args := &AnomalyArgs{
		Namer:                plantest.Namer("us-east-1"),
		PageTopicArn:         pulumi.String(pageTopic),
		TicketTopicArn:       pulumi.String(ticket),
		LoadBalancer:         "app/k8s-platform-api/50dc6c495c0c9188",
		DBInstanceIdentifier: "platform-prod-use1-postgres",
		Runbook:              anomalyRunbook,
	}
	if mutate != nil {
		mutate(args)
	}
	var keys []string
	p := plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		c, err := NewAnomalyAlarms(ctx, "anomaly", args, prov)
		if err != nil {
			return err
		}
		for k := range c.Alarms {
			keys = append(keys, k)
		}
		return nil
	})
	return p, keys
}

// query returns an alarm's metric query by id.
func query(t *testing.T, alarm plan.Resource, id string) map[string]any {
	t.Helper()
	qs, _ := alarm.Inputs["metricQueries"].([]any)
	for _, q := range qs {
		if m, ok := q.(map[string]any); ok && m["id"] == id {
			return m
		}
	}
	t.Fatalf("%s has no metric query %s", alarm.Name, id)
	return nil
}

func TestAnomalyAlarms(t *testing.T) {
	p, keys := planAnomaly(t, nil)
	assert.Equal(t, map[string]int{tAlarm: 5}, p.ChildTypes("platform:synthetics:AnomalyAlarms", "anomaly"))
	assert.ElementsMatch(t, []string{AlarmRequests, AlarmTarget5xx, AlarmTargetLatency, AlarmDBConnections, AlarmDBCPU}, keys)

	alb := map[string]any{"LoadBalancer": "app/k8s-platform-api/50dc6c495c0c9188"}
	db := map[string]any{"DBInstanceIdentifier": "platform-prod-use1-postgres"}
	for _, tc := range []struct {
		key, namespace, metric, stat string
		dims                         map[string]any
		period                       float64
		band, comparison, missing    string
		periods, datapoints          float64
		topic                        string
	}{
		{AlarmRequests, "AWS/ApplicationELB", "RequestCount", "Sum", alb, 300, "ANOMALY_DETECTION_BAND(e1, 3)", "LessThanLowerOrGreaterThanUpperThreshold", "breaching", 3, 2, pageTopic},
		{AlarmTarget5xx, "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", alb, 60, "ANOMALY_DETECTION_BAND(e2, 2)", "GreaterThanUpperThreshold", "notBreaching", 5, 3, pageTopic},
		{AlarmTargetLatency, "AWS/ApplicationELB", "TargetResponseTime", "p95", alb, 60, "ANOMALY_DETECTION_BAND(m1, 3)", "GreaterThanUpperThreshold", "notBreaching", 5, 4, ticket},
		{AlarmDBConnections, "AWS/RDS", "DatabaseConnections", "Maximum", db, 300, "ANOMALY_DETECTION_BAND(m1, 3)", "GreaterThanUpperThreshold", "notBreaching", 3, 3, ticket},
		{AlarmDBCPU, "AWS/RDS", "CPUUtilization", "Average", db, 300, "ANOMALY_DETECTION_BAND(m1, 2)", "GreaterThanUpperThreshold", "notBreaching", 3, 3, ticket},
	} {
		a := plantest.Named(t, p, tAlarm, "anomaly-"+tc.key)
		assert.Equal(t, "platform-prod-use1-anomaly-"+tc.key, a.Inputs["name"])
		assert.True(t, strings.HasSuffix(a.Inputs["alarmDescription"].(string), "Runbook: "+anomalyRunbook), "%s links its runbook", tc.key)
		m1 := query(t, a, "m1")
		assert.Equal(t, tc.namespace, plantest.Input(a, "metricQueries", 0, "metric", "namespace"), tc.key)
		assert.Equal(t, tc.metric, m1["metric"].(map[string]any)["metricName"], tc.key)
		assert.Equal(t, tc.stat, m1["metric"].(map[string]any)["stat"], tc.key)
		assert.Equal(t, tc.period, m1["metric"].(map[string]any)["period"], tc.key)
		assert.Equal(t, tc.dims, m1["metric"].(map[string]any)["dimensions"], tc.key)
		ad := query(t, a, "ad1")
		assert.Equal(t, tc.band, ad["expression"], tc.key)
		assert.Equal(t, true, ad["returnData"], "the band is returned")
		assert.Equal(t, "ad1", a.Inputs["thresholdMetricId"], tc.key)
		assert.Nil(t, a.Inputs["threshold"], "the band is the threshold")
		assert.Equal(t, tc.comparison, a.Inputs["comparisonOperator"], tc.key)
		assert.Equal(t, tc.periods, a.Inputs["evaluationPeriods"], tc.key)
		assert.Equal(t, tc.datapoints, a.Inputs["datapointsToAlarm"], tc.key)
		assert.Equal(t, tc.missing, a.Inputs["treatMissingData"], tc.key)
		assert.Equal(t, []any{tc.topic}, a.Inputs["alarmActions"], tc.key)
		assert.Equal(t, []any{tc.topic}, a.Inputs["okActions"], tc.key)
		// Exactly two series are returned: the evaluated one and the band.
		returned := 0
		for _, q := range a.Inputs["metricQueries"].([]any) {
			if q.(map[string]any)["returnData"] == true {
				returned++
			}
		}
		assert.Equal(t, 2, returned, tc.key)
	}

	// A traffic drop reads as zeros, not as missing data.
	req := plantest.Named(t, p, tAlarm, "anomaly-"+AlarmRequests)
	assert.Equal(t, "FILL(m1, 0)", query(t, req, "e1")["expression"])
	assert.Equal(t, false, query(t, req, "m1")["returnData"])
	// The 5xx floor guard: the band watches errors above the floor only.
	errs := plantest.Named(t, p, tAlarm, "anomaly-"+AlarmTarget5xx)
	assert.Equal(t, "FILL(m1, 0)", query(t, errs, "e1")["expression"])
	assert.Equal(t, "IF(e1 > 10, e1, 0)", query(t, errs, "e2")["expression"])
	assert.Equal(t, true, query(t, errs, "e2")["returnData"])
	assert.Equal(t, false, query(t, errs, "e1")["returnData"])
}

func TestAnomalyOverrides(t *testing.T) {
	p, _ := planAnomaly(t, func(a *AnomalyArgs) {
		a.TargetLatency = Signal{Route: RoutePage, BandWidth: 4.5}
		a.Target5xx = Signal{Route: RouteTicket}
		a.Target5xxFloor = 2.5
	})
	lat := plantest.Named(t, p, tAlarm, "anomaly-"+AlarmTargetLatency)
	assert.Equal(t, "ANOMALY_DETECTION_BAND(m1, 4.5)", query(t, lat, "ad1")["expression"])
	assert.Equal(t, []any{pageTopic}, lat.Inputs["alarmActions"], "routed by config")
	errs := plantest.Named(t, p, tAlarm, "anomaly-"+AlarmTarget5xx)
	assert.Equal(t, []any{ticket}, errs.Inputs["alarmActions"])
	assert.Equal(t, "ANOMALY_DETECTION_BAND(e2, 2)", query(t, errs, "ad1")["expression"], "the default width stays")
	assert.Equal(t, "IF(e1 > 2.5, e1, 0)", query(t, errs, "e2")["expression"])
}

func TestAnomalyWithoutLoadBalancer(t *testing.T) {
	p, keys := planAnomaly(t, func(a *AnomalyArgs) { a.LoadBalancer = "" })
	assert.Equal(t, map[string]int{tAlarm: 2}, p.ChildTypes("platform:synthetics:AnomalyAlarms", "anomaly"))
	assert.ElementsMatch(t, []string{AlarmDBConnections, AlarmDBCPU}, keys)
	_, ok := p.Named(tAlarm, "anomaly-"+AlarmRequests)
	assert.False(t, ok, "no ALB alarms before the controller made the ALB")

	p, keys = planAnomaly(t, func(a *AnomalyArgs) { a.DBInstanceIdentifier = "" })
	assert.ElementsMatch(t, []string{AlarmRequests, AlarmTarget5xx, AlarmTargetLatency}, keys)
	assert.Equal(t, map[string]int{tAlarm: 3}, p.ChildTypes("platform:synthetics:AnomalyAlarms", "anomaly"))

	// Only the ticket route is in use: no page topic needed.
	p, _ = planAnomaly(t, func(a *AnomalyArgs) { a.LoadBalancer, a.PageTopicArn = "", nil })
	assert.Equal(t, map[string]int{tAlarm: 2}, p.ChildTypes("platform:synthetics:AnomalyAlarms", "anomaly"))
}

func TestAnomalyValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		args AnomalyArgs
		want []string
	}{
		{"empty", AnomalyArgs{LoadBalancer: "app/x/1", DBInstanceIdentifier: "db"}, []string{
			"namer: account id and region are required",
			`runbook: the https URL of the runbook the alarms link to, got ""`,
			`pageTopicArn: is required: an alarm routes to "page"`,
			`ticketTopicArn: is required: an alarm routes to "ticket"`,
		}},
		{"routes and widths", AnomalyArgs{
			Namer: plantest.Namer("us-east-1"), PageTopicArn: pulumi.String(pageTopic), TicketTopicArn: pulumi.String(ticket), Runbook: anomalyRunbook,
			Requests:      Signal{Route: "email"},
			Target5xx:     Signal{BandWidth: -1},
			TargetLatency: Signal{Route: "Page"},
			DBCPU:         Signal{BandWidth: -0.5},
		}, []string{
			`requests.route: must be "page" or "ticket", got "email"`,
			"target5xx.bandWidth: must be above 0 standard deviations, got -1",
			`targetLatency.route: must be "page" or "ticket", got "Page"`,
			"dbCpu.bandWidth: must be above 0 standard deviations, got -0.5",
		}},
		{"dimensions and floor", AnomalyArgs{
			Namer: plantest.Namer("us-east-1"), PageTopicArn: pulumi.String(pageTopic), TicketTopicArn: pulumi.String(ticket), Runbook: anomalyRunbook,
			LoadBalancer:         "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/x/50dc6c495c0c9188",
			DBInstanceIdentifier: "1db",
			Target5xxFloor:       -3,
		}, []string{
			`loadBalancer: must be the ALB's dimension app/<name>/<id> (the end of its ARN), or empty until the ALB exists, got "arn:aws`,
			`dbInstanceIdentifier: must be an RDS instance identifier (a letter, then up to 62 letters, digits and hyphens), got "1db"`,
			"target5xxFloor: must not be negative, got -3",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewAnomalyAlarms(ctx, "anomaly", &args)
				return err
			}, tc.want...)
		})
	}
	assert.NoError(t, AnomalyArgs{Namer: plantest.Namer("us-west-2"), Runbook: anomalyRunbook}.Validate(), "nothing to watch yet is valid")
}
