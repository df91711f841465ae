// Package synthetics owns the platform's outside-in probes and its
// anomaly-detection alarms.
//
// Canaries (NewCanaries) are CloudWatch Synthetics canaries that GET an
// HTTPS URL on a schedule and fail on any status but the expected one.
// Each has an alarm on its SuccessPercent that pages, and that treats
// missing data as breaching: a canary that stops reporting is an outage
// of the probe, and nobody would notice otherwise. These alarms are also
// the stop conditions of the chaos experiments, so a drill that breaks
// the user-visible path stops itself. Canary artifacts go to a bucket of
// components/storage (private, KMS, TLS-only, access-logged) whose
// lifecycle expires them with the canaries' own retention and never
// tiers them (the console reads them); the script (httpCheck.js, one for
// every canary) is an object in a second bucket that keeps it.
//
// Anomaly alarms (NewAnomalyAlarms) watch signals whose normal level
// moves with the time of day and week, where a static threshold is either
// too tight at the peak or blind at night. Each is a CloudWatch anomaly
// detection band around the signal; the band's width, in standard
// deviations, is chosen per signal:
//
//   - ALB RequestCount, 3, both sides: traffic is seasonal and noisy
//     (batch clients, retries, marketing sends), so a narrower band fires
//     daily. A drop is as suspicious as a surge: a broken DNS record,
//     WAF rule or client release shows as missing traffic, not as errors.
//     Missing data is filled with zeros (an ALB publishes nothing without
//     requests), so silence reads as the drop it is.
//   - ALB HTTPCode_Target_5XX_Count, 2, upper side only, behind a floor:
//     5xx counts are near zero most of the time, and a band around zero
//     has almost no width, so a band alone fires on the first two errors
//     at 4 a.m. The alarm therefore watches IF(errors > floor, errors, 0):
//     below the floor (Target5xxFloor a minute) the series is zero and
//     never leaves the band; above it the band decides, narrow because
//     any real rise in errors is user-visible.
//   - ALB TargetResponseTime p95, 3, upper side only: latency
//     percentiles are heavy-tailed and spike on single slow requests, and
//     faster-than-usual is never an incident.
//   - RDS DatabaseConnections (maximum), 3, upper side only: connection
//     counts step with deploys and pod scaling; a connection storm that
//     nears max_connections is the failure worth catching. A drop shows
//     up first as errors and failing canaries.
//   - RDS CPUUtilization (average), 2, upper side only: CPU is smooth and
//     strongly daily, so the model is tight and a moderate, sustained
//     departure (a runaway query, a missing index) is already meaningful.
//
// Every alarm is routed to the page or the ticket topic by config, and
// announces its recovery on the same topic.
package synthetics

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/synthetics"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/storage"
	"platform/internal/naming"
	"platform/internal/policydoc"
)

//go:embed httpCheck.js
var httpCheck string

// DefaultRuntimeVersion is the Synthetics runtime of the canaries: the
// newest Node.js and Puppeteer runtime the CloudWatch Synthetics docs
// list ("Runtime versions using Node.js and Puppeteer", early 2026).
// AWS deprecates a runtime with its Lambda Node.js runtime; move to the
// next one then, after reading its release notes. httpCheck.js needs
// syn-nodejs-puppeteer-13.1 or later (the @aws/synthetics-* modules).
const DefaultRuntimeVersion = "syn-nodejs-puppeteer-15.0"

// Defaults of CanariesArgs.
const (
	// DefaultSuccessRetentionDays keeps two weeks of successful runs:
	// they are many and only read to compare with a failure.
	DefaultSuccessRetentionDays = 14
	// DefaultFailureRetentionDays keeps failed runs a month (the AWS
	// default), the evidence of a postmortem.
	DefaultFailureRetentionDays = 31
	// ArtifactGraceDays: the artifacts' lifecycle expires them this long
	// after the canaries' own retention deleted the runs.
	ArtifactGraceDays = 7
	// DefaultSuccessThreshold: with one run per alarm period (the period
	// is the canary's interval), SuccessPercent is 0 or 100, so any
	// threshold means "the run failed"; 90 also holds for periods that
	// catch two runs.
	DefaultSuccessThreshold = 90.0
	// DefaultAlarmPeriods and DefaultAlarmDatapoints: the alarm fires
	// when 3 of the last 5 runs failed or did not report. One failure, or
	// one run that lands in the neighbouring period, does not page.
	DefaultAlarmPeriods    = 5
	DefaultAlarmDatapoints = 3
	// DefaultExpectStatus is the status a canary's URL must answer.
	DefaultExpectStatus = 200
)

const (
	// artifactNoncurrentDays deletes an expired artifact's last version a
	// week after it expired, instead of the storage default of a year:
	// artifacts are written once, so a noncurrent version is an expired
	// one.
	artifactNoncurrentDays = 7
	// maxRetentionDays is the Synthetics limit of both retentions.
	maxRetentionDays = 455
)

const (
	// scriptHandler is httpCheck.js's exported handler; Node.js canaries
	// load scripts from nodejs/node_modules in the archive.
	scriptHandler = "httpCheck.handler"
	scriptPath    = "nodejs/node_modules/httpCheck.js"
	// timeoutSeconds bounds a run: an HTTP check that takes longer than
	// this has failed, and a 1-minute canary must finish within a minute.
	timeoutSeconds = 60
)

// Canary is one HTTPS probe.
type Canary struct {
	// Name is the canary's name in AWS, and the CanaryName of its
	// metrics: 1-21 lower-case letters, digits, hyphens and underscores.
	Name string
	// URL is the https URL to GET.
	URL string
	// Schedule is a Synthetics rate expression, from rate(1 minute) to
	// rate(60 minutes) or rate(1 hour). Cron expressions are refused: the
	// alarm's period is the canary's interval.
	Schedule string
	// ExpectStatus is the status the URL must answer (default 200).
	ExpectStatus int
	// VPC runs the canary from the private subnets (internal endpoints,
	// or to probe the path the workloads take).
	VPC bool
}

// CanariesArgs configure the canaries of one region.
type CanariesArgs struct {
	// Namer names the buckets, role, security group and alarms.
	Namer naming.Namer
	// ArtifactKmsKeyArn encrypts artifacts and the script (the data or the
	// logs key).
	ArtifactKmsKeyArn pulumi.StringInput
	// AccessLogBucket is the region's access-log bucket, for the buckets
	// this component creates.
	AccessLogBucket pulumi.StringInput
	// ArtifactRetentionDays expires artifacts (the bucket lifecycle);
	// beyond the canaries' retentions, so Synthetics deletes a run's
	// artifacts before S3 does (default: the longer of the two, plus
	// ArtifactGraceDays).
	ArtifactRetentionDays int
	// SuccessRetentionDays and FailureRetentionDays keep the runs in
	// Synthetics (defaults 14 and 31; 1 to 455).
	SuccessRetentionDays, FailureRetentionDays int
	// Protect protects the buckets from deletion by Pulumi.
	Protect bool
	// PermissionBoundaryArn bounds the canaries' role.
	PermissionBoundaryArn pulumi.StringInput
	// PageTopicArn receives the canary alarms and their recoveries.
	PageTopicArn pulumi.StringInput
	// Canaries are the probes.
	Canaries []Canary
	// SubnetIDs (the private subnets) and VpcID place the VPC canaries;
	// required when one canary has VPC set.
	SubnetIDs pulumi.StringArrayInput
	VpcID     pulumi.StringInput
	// SuccessThreshold is the SuccessPercent below which a period counts
	// as failed (0 < t <= 100, default 90).
	SuccessThreshold float64
	// Runbook is the https URL of the runbook on-call follows when a
	// canary's alarm pages (it ends every alarm's description).
	Runbook string
	// AlarmPeriods (M) and AlarmDatapoints (N): the alarm fires when N of
	// the last M canary intervals are below the threshold or missing
	// (defaults 5 and 3).
	AlarmPeriods, AlarmDatapoints int
	// RuntimeVersion overrides DefaultRuntimeVersion, pinned in config;
	// syn-nodejs-puppeteer-13.1 or later.
	RuntimeVersion string
}

func (a CanariesArgs) withDefaults() CanariesArgs {
	setDefault(&a.SuccessRetentionDays, DefaultSuccessRetentionDays)
	setDefault(&a.FailureRetentionDays, DefaultFailureRetentionDays)
	setDefault(&a.ArtifactRetentionDays, max(a.SuccessRetentionDays, a.FailureRetentionDays)+ArtifactGraceDays)
	setDefault(&a.AlarmPeriods, DefaultAlarmPeriods)
	setDefault(&a.AlarmDatapoints, DefaultAlarmDatapoints)
	if a.SuccessThreshold == 0 {
		a.SuccessThreshold = DefaultSuccessThreshold
	}
	if a.RuntimeVersion == "" {
		a.RuntimeVersion = DefaultRuntimeVersion
	}
	canaries := make([]Canary, len(a.Canaries))
	copy(canaries, a.Canaries)
	for i := range canaries {
		setDefault(&canaries[i].ExpectStatus, DefaultExpectStatus)
	}
	a.Canaries = canaries
	return a
}

// atoi parses the digits a regexp matched.
func atoi(digits string) int {
	n, _ := strconv.Atoi(digits)
	return n
}

func setDefault(v *int, def int) {
	if *v == 0 {
		*v = def
	}
}

var (
	canaryName = regexp.MustCompile(`^[0-9a-z_-]{1,21}$`)
	rateExpr   = regexp.MustCompile(`^rate\(([1-9][0-9]*) (minute|minutes|hour)\)$`)
	runtimeVer = regexp.MustCompile(`^syn-nodejs-puppeteer-([0-9]+)\.([0-9]+)$`)
)

// interval is the seconds between runs of a rate expression, or false.
// Synthetics runs canaries from every minute to every hour.
func interval(schedule string) (int, bool) {
	m := rateExpr.FindStringSubmatch(schedule)
	if m == nil {
		return 0, false
	}
	n := atoi(m[1])
	switch m[2] {
	case "hour":
		if n != 1 {
			return 0, false
		}
		return 3600, true
	default:
		if n < 1 || n > 60 {
			return 0, false
		}
		return n * 60, true
	}
}

// Validate reports every problem of the args, defaults applied, with its
// field path.
func (a CanariesArgs) Validate() error {
	a = a.withDefaults()
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !strings.HasPrefix(a.Runbook, "https://") {
		add("runbook: the https URL of the runbook a page links to, got %q", a.Runbook)
	}
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if a.ArtifactKmsKeyArn == nil {
		add("artifactKmsKeyArn: is required: artifacts are encrypted with a customer-managed key")
	}
	if a.AccessLogBucket == nil {
		add("accessLogBucket: is required: every bucket's access is logged")
	}
	if a.PermissionBoundaryArn == nil {
		add("permissionBoundaryArn: is required: every platform role carries the boundary")
	}
	if a.PageTopicArn == nil {
		add("pageTopicArn: is required: a failing canary pages")
	}
	for _, r := range []struct {
		field string
		days  int
	}{{"successRetentionDays", a.SuccessRetentionDays}, {"failureRetentionDays", a.FailureRetentionDays}} {
		if r.days < 1 || r.days > maxRetentionDays {
			add("%s: must be 1 to %d (the Synthetics range), got %d", r.field, maxRetentionDays, r.days)
		}
	}
	if keep := max(a.SuccessRetentionDays, a.FailureRetentionDays); a.ArtifactRetentionDays <= keep {
		add("artifactRetentionDays: must exceed the canaries' retention (%d days), or S3 deletes artifacts of runs Synthetics still shows, got %d", keep, a.ArtifactRetentionDays)
	}
	if a.SuccessThreshold <= 0 || a.SuccessThreshold > 100 {
		add("successThreshold: must be a SuccessPercent above 0 and at most 100, got %g", a.SuccessThreshold)
	}
	if a.AlarmPeriods < 1 || a.AlarmDatapoints < 1 || a.AlarmDatapoints > a.AlarmPeriods {
		add("alarmDatapoints: must be 1 to alarmPeriods (%d), got %d", a.AlarmPeriods, a.AlarmDatapoints)
	}
	if m := runtimeVer.FindStringSubmatch(a.RuntimeVersion); m == nil {
		add("runtimeVersion: must be syn-nodejs-puppeteer-<major>.<minor> (httpCheck.js is a Puppeteer-runtime script), got %q", a.RuntimeVersion)
	} else if major, minor := atoi(m[1]), atoi(m[2]); major < 13 || (major == 13 && minor < 1) {
		add("runtimeVersion: must be syn-nodejs-puppeteer-13.1 or later (httpCheck.js uses the @aws/synthetics-* modules), got %q", a.RuntimeVersion)
	}
	if len(a.Canaries) == 0 {
		add("canaries: name at least one canary")
	}
	seen := map[string]bool{}
	vpc := false
	for i, c := range a.Canaries {
		path := fmt.Sprintf("canaries[%d]", i)
		if !canaryName.MatchString(c.Name) {
			add("%s.name: must be 1-21 lower-case letters, digits, hyphens and underscores (the Synthetics limit), got %q", path, c.Name)
		} else if seen[c.Name] {
			add("%s.name: %q is used twice: canary names are unique in a region", path, c.Name)
		}
		seen[c.Name] = true
		if u, err := url.Parse(c.URL); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			add("%s.url: must be an https URL with a host and no credentials, got %q", path, c.URL)
		}
		if secs, ok := interval(c.Schedule); !ok {
			add("%s.schedule: must be a rate expression from rate(1 minute) to rate(60 minutes) or rate(1 hour), got %q", path, c.Schedule)
		} else if secs*a.AlarmPeriods > 86400 {
			add("%s.schedule: alarmPeriods (%d) intervals of %q exceed the one day an alarm can evaluate", path, a.AlarmPeriods, c.Schedule)
		}
		if c.ExpectStatus < 100 || c.ExpectStatus > 599 {
			add("%s.expectStatus: must be an HTTP status (100-599), got %d", path, c.ExpectStatus)
		}
		vpc = vpc || c.VPC
	}
	if vpc {
		if a.SubnetIDs == nil {
			add("subnetIds: are required for VPC canaries: give the private subnets")
		}
		if a.VpcID == nil {
			add("vpcId: is required for VPC canaries")
		}
	}
	return errors.Join(errs...)
}

// Canaries are the canaries of one region with their alarms.
type Canaries struct {
	pulumi.ResourceState

	// Alarms maps each canary's name to the ARN of its SuccessPercent
	// alarm: the stop conditions of the chaos experiments.
	Alarms map[string]pulumi.StringOutput
	// ArtifactBucketName is the bucket holding the runs' artifacts.
	ArtifactBucketName pulumi.StringOutput
	// RoleArn is the role the canaries run as.
	RoleArn pulumi.StringOutput
}

// NewCanaries creates the artifact and script buckets, the script, the
// canaries' role, a security group when a canary runs in the VPC, and
// each canary with its alarm.
func NewCanaries(ctx *pulumi.Context, name string, args *CanariesArgs, opts ...pulumi.ResourceOption) (*Canaries, error) {
	if args == nil {
		args = &CanariesArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("synthetics %s: %w", name, err)
	}
	a := args.withDefaults()
	c := &Canaries{Alarms: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResourceV2("platform:synthetics:Canaries", name, nil, c, opts...); err != nil {
		return nil, err
	}
	if err := buildCanaries(ctx, name, a, c); err != nil {
		return nil, fmt.Errorf("synthetics %s: %w", name, err)
	}
	alarms := pulumi.Map{}
	for k, v := range c.Alarms {
		alarms[k] = v
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"alarms": alarms, "artifactBucketName": c.ArtifactBucketName, "roleArn": c.RoleArn,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func buildCanaries(ctx *pulumi.Context, name string, a CanariesArgs, c *Canaries) error {
	parent := pulumi.Parent(c)
	n := a.Namer

	artifacts, err := storage.NewBucket(ctx, name+"-artifacts", &storage.BucketArgs{
		Namer:           n,
		Purpose:         "canary-artifacts",
		KmsKeyArn:       a.ArtifactKmsKeyArn,
		AccessLogBucket: a.AccessLogBucket,
		Protect:         a.Protect,
		// Hot: the Synthetics console reads a run's artifacts when it
		// shows the run, which it cannot from Glacier; and artifacts
		// expire before tiering would pay off.
		Lifecycle: storage.Lifecycle{
			Hot:                             true,
			ExpirationDays:                  a.ArtifactRetentionDays,
			NoncurrentVersionExpirationDays: artifactNoncurrentDays,
		},
	}, parent)
	if err != nil {
		return err
	}
	c.ArtifactBucketName = artifacts.BucketName

	// The script lives apart from the artifacts: their lifecycle would
	// expire it, and Synthetics reads it again on every update of a
	// canary's code or runtime. Its objects are kept.
	scripts, err := storage.NewBucket(ctx, name+"-scripts", &storage.BucketArgs{
		Namer:           n,
		Purpose:         "canary-scripts",
		KmsKeyArn:       a.ArtifactKmsKeyArn,
		AccessLogBucket: a.AccessLogBucket,
		Protect:         a.Protect,
	}, parent)
	if err != nil {
		return err
	}
	archive := scriptArchive()
	sum := sha256.Sum256(archive)
	// The key names the content, so a changed script is a new object and
	// every canary is updated to it.
	script, err := s3.NewBucketObjectv2(ctx, name+"-script", &s3.BucketObjectv2Args{
		Bucket: scripts.BucketName,
		Key:    pulumi.String("http-check/" + hex.EncodeToString(sum[:])[:16] + ".zip"),
		// The archive is built here, not read from a file: the program
		// needs no local file, and the bytes are the same on every run.
		ContentBase64:        pulumi.String(base64.StdEncoding.EncodeToString(archive)),
		ContentType:          pulumi.String("application/zip"),
		ServerSideEncryption: pulumi.String("aws:kms"),
		KmsKeyId:             a.ArtifactKmsKeyArn,
		BucketKeyEnabled:     pulumi.Bool(true),
	}, parent)
	if err != nil {
		return err
	}

	vpc := false
	for _, cn := range a.Canaries {
		vpc = vpc || cn.VPC
	}
	role, rolePolicy, err := canaryRole(ctx, name, a, artifacts.Arn, vpc, parent)
	if err != nil {
		return err
	}
	c.RoleArn = role.Arn

	var vpcConfig synthetics.CanaryVpcConfigPtrInput
	if vpc {
		sg, err := ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
			VpcId:       a.VpcID,
			Name:        pulumi.String(n.Name(naming.Generic, "canaries")),
			Description: pulumi.String("Synthetics canaries: HTTPS out only, nothing in"),
			Ingress:     ec2.SecurityGroupIngressArray{},
			// HTTPS covers the probed URLs and the AWS APIs a run calls
			// (S3, CloudWatch, Logs, X-Ray), through the NAT or the VPC
			// endpoints. DNS to the VPC resolver is not subject to
			// security groups.
			Egress: ec2.SecurityGroupEgressArray{ec2.SecurityGroupEgressArgs{
				Description: pulumi.String("HTTPS to the probed endpoints and the AWS APIs"),
				Protocol:    pulumi.String("tcp"),
				FromPort:    pulumi.Int(443),
				ToPort:      pulumi.Int(443),
				CidrBlocks:  pulumi.StringArray{pulumi.String("0.0.0.0/0")},
			}},
		}, parent)
		if err != nil {
			return err
		}
		vpcConfig = synthetics.CanaryVpcConfigArgs{
			VpcId:            a.VpcID,
			SubnetIds:        a.SubnetIDs,
			SecurityGroupIds: pulumi.StringArray{sg.ID().ToStringOutput()},
		}
	}

	for _, cn := range a.Canaries {
		secs, _ := interval(cn.Schedule)
		args := &synthetics.CanaryArgs{
			Name:               pulumi.String(cn.Name),
			RuntimeVersion:     pulumi.String(a.RuntimeVersion),
			ExecutionRoleArn:   role.Arn,
			Handler:            pulumi.String(scriptHandler),
			S3Bucket:           scripts.BucketName,
			S3Key:              script.Key,
			ArtifactS3Location: pulumi.Sprintf("s3://%s/%s", artifacts.BucketName, cn.Name),
			ArtifactConfig: synthetics.CanaryArtifactConfigArgs{
				S3Encryption: synthetics.CanaryArtifactConfigS3EncryptionArgs{
					EncryptionMode: pulumi.String("SSE_KMS"),
					KmsKeyArn:      a.ArtifactKmsKeyArn,
				},
			},
			Schedule: synthetics.CanaryScheduleArgs{
				Expression:        pulumi.String(cn.Schedule),
				DurationInSeconds: pulumi.Int(0), // run until stopped
			},
			RunConfig: synthetics.CanaryRunConfigArgs{
				TimeoutInSeconds: pulumi.Int(timeoutSeconds), // at most the shortest interval
				ActiveTracing:    pulumi.Bool(true),
				EnvironmentVariables: pulumi.StringMap{
					"TARGET_URL":    pulumi.String(cn.URL),
					"EXPECT_STATUS": pulumi.String(strconv.Itoa(cn.ExpectStatus)),
				},
			},
			SuccessRetentionPeriod: pulumi.Int(a.SuccessRetentionDays),
			FailureRetentionPeriod: pulumi.Int(a.FailureRetentionDays),
			StartCanary:            pulumi.Bool(true),
			// Synthetics otherwise leaves the canary's Lambda function
			// and layer behind when the canary is deleted.
			DeleteLambda: pulumi.Bool(true),
		}
		if cn.VPC {
			args.VpcConfig = vpcConfig
		}
		canary, err := synthetics.NewCanary(ctx, name+"-"+cn.Name, args, parent,
			pulumi.DependsOn([]pulumi.Resource{rolePolicy, script}))
		if err != nil {
			return err
		}
		alarm, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+cn.Name, &cloudwatch.MetricAlarmArgs{
			Name: pulumi.String(n.Name(naming.Generic, "canary", cn.Name)),
			AlarmDescription: pulumi.Sprintf("Canary %s (GET %s, expects %d) failed or stopped reporting in %d of its last %d runs. "+
				"Artifacts: s3://%s/%s. Runbook: %s", cn.Name, cn.URL, cn.ExpectStatus, a.AlarmDatapoints, a.AlarmPeriods, artifacts.BucketName, cn.Name, a.Runbook),
			Namespace:          pulumi.String("CloudWatchSynthetics"),
			MetricName:         pulumi.String("SuccessPercent"),
			Dimensions:         pulumi.StringMap{"CanaryName": canary.Name},
			Statistic:          pulumi.String("Average"),
			Period:             pulumi.Int(secs), // one run per period
			EvaluationPeriods:  pulumi.Int(a.AlarmPeriods),
			DatapointsToAlarm:  pulumi.Int(a.AlarmDatapoints),
			ComparisonOperator: pulumi.String("LessThanThreshold"),
			Threshold:          pulumi.Float64(a.SuccessThreshold),
			// A canary that stops reporting is an outage of the probe.
			TreatMissingData: pulumi.String("breaching"),
			AlarmActions:     pulumi.Array{a.PageTopicArn},
			OkActions:        pulumi.Array{a.PageTopicArn},
		}, parent)
		if err != nil {
			return err
		}
		c.Alarms[cn.Name] = alarm.Arn
	}
	return nil
}

// canaryRole is the one role every canary runs as, with the permissions
// the CloudWatch Synthetics docs list ("Required roles and permissions
// for canaries", the KMS and VPC variants), scoped to this component's
// bucket prefixes, key and log groups.
func canaryRole(ctx *pulumi.Context, name string, a CanariesArgs, bucketArn pulumi.StringOutput, vpc bool, parent pulumi.ResourceOption) (*iam.Role, *iam.RolePolicy, error) {
	n := a.Namer
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Name:                pulumi.String(n.Name(naming.IAMRole, "canaries")),
		Description:         pulumi.String("CloudWatch Synthetics canaries (components/synthetics)"),
		AssumeRolePolicy:    pulumi.String(policydoc.ServiceTrust("lambda.amazonaws.com", n.AccountID).JSON()),
		PermissionsBoundary: a.PermissionBoundaryArn,
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(a.Canaries))
	for i, cn := range a.Canaries {
		names[i] = cn.Name
	}
	policy := policydoc.FromOutputs(func(v []string) policydoc.Document {
		return CanaryPolicy(n, v[0], v[1], names, vpc)
	}, bucketArn, a.ArtifactKmsKeyArn)
	rolePolicy, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, parent)
	if err != nil {
		return nil, nil, err
	}
	return role, rolePolicy, nil
}

// CanaryPolicy is the canaries' permission policy: write artifacts under
// each canary's prefix of bucketArn, encrypted with keyArn through S3;
// write the logs of the canaries' Lambda functions (cwsyn-<name>-<id>);
// publish CloudWatchSynthetics metrics and X-Ray traces; and, with vpc,
// manage the network interfaces a Lambda function in a VPC needs.
func CanaryPolicy(n naming.Namer, bucketArn, keyArn string, canaries []string, vpc bool) policydoc.Document {
	objects := make([]string, len(canaries))
	logGroups := make([]string, len(canaries))
	for i, c := range canaries {
		objects[i] = bucketArn + "/" + c + "/*"
		logGroups[i] = n.ARN("logs", "log-group:/aws/lambda/cwsyn-"+c+"-*")
	}
	statements := []policydoc.Statement{
		{Sid: "WriteArtifacts", Effect: policydoc.Allow, Action: "s3:PutObject", Resource: objects},
		{Sid: "LocateArtifactBucket", Effect: policydoc.Allow, Action: "s3:GetBucketLocation", Resource: bucketArn},
		// Listed for every canary by the Synthetics docs; ListBuckets has
		// no resource-level permissions and shows bucket names only.
		{Sid: "ListBuckets", Effect: policydoc.Allow, Action: "s3:ListAllMyBuckets", Resource: "*"},
		{Sid: "EncryptArtifacts", Effect: policydoc.Allow, Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: keyArn,
			Condition: policydoc.Conditions{"StringEquals": {"kms:ViaService": "s3." + n.Region + ".amazonaws.com"}}},
		{Sid: "Logs", Effect: policydoc.Allow, Action: []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}, Resource: logGroups},
		{Sid: "Metrics", Effect: policydoc.Allow, Action: "cloudwatch:PutMetricData", Resource: "*",
			Condition: policydoc.Conditions{"StringEquals": {"cloudwatch:namespace": "CloudWatchSynthetics"}}},
		{Sid: "Tracing", Effect: policydoc.Allow, Action: "xray:PutTraceSegments", Resource: "*"},
	}
	if vpc {
		// EC2 has no resource-level permissions for describing, and Lambda
		// checks these three on "*" when it creates the function.
		statements = append(statements, policydoc.Statement{Sid: "VpcNetworkInterfaces", Effect: policydoc.Allow, Resource: "*",
			Action: []string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"}})
	}
	return policydoc.New(statements...)
}

// scriptArchive is the canary code as Synthetics loads it: httpCheck.js
// under nodejs/node_modules. Stored, not compressed, with a fixed time,
// so the bytes (and the object key) change only with the script.
func scriptArchive() []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: scriptPath, Method: zip.Store, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.SetMode(0o644)
	f, err := w.CreateHeader(h)
	if err == nil {
		_, err = f.Write([]byte(httpCheck))
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		panic(err) // writing to memory cannot fail
	}
	return buf.Bytes()
}
