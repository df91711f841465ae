// Package chaos owns the platform's chaos experiments: AWS FIS experiment
// templates that disrupt one thing the platform claims to survive (pods of
// the API, a share of the nodes, the PostgreSQL primary, the Redis primary,
// a whole Availability Zone), each with the hypothesis it tests, the paging
// alarms that stop it, and a KMS-encrypted log group kept a year as audit
// evidence. It also owns what FIS needs to act: one least-privilege
// experiment role under the permission boundary (iam.go) and, for the pod
// action, the Kubernetes service account, Role and RoleBinding FIS's pod
// uses and the EKS access entry that maps the role to a Kubernetes user,
// without any access policy.
//
// Templates do nothing until someone starts them: docs/runbooks/chaos.md
// says when, who watches, and what to record.
package chaos

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/fis"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// The experiments, by the key that names their template, their outputs
// and their fields in error messages.
const (
	PodDeletionKey      = "podDeletion"
	NodeTerminationKey  = "nodeTermination"
	DatabaseFailoverKey = "databaseFailover"
	CacheFailoverKey    = "cacheFailover"
	AZImpairmentKey     = "azImpairment"
)

// Kubernetes identities of the pod action. FISUser is the user name the
// access entry gives the experiment role and the RoleBinding names;
// ServiceAccount runs the pod FIS creates in the target namespace. The
// Role and the RoleBinding are named FISUser too.
const (
	FISUser        = "fis-experiment"
	ServiceAccount = "fis-experiment"
)

// Defaults, each the smallest disruption that still tests the claim.
const (
	// DefaultNodePercent terminates a third of each node group: the
	// share one AZ of three holds.
	DefaultNodePercent = 33
	// DefaultDuration is long enough for failover and the SLO burn
	// alarms to settle, short against a 30-day error budget.
	DefaultDuration = "PT10M"
	// MinLogRetentionDays: the experiment log is audit evidence of what
	// was disrupted, when and by whom.
	MinLogRetentionDays = 365
)

// ExperimentsArgs configure the experiment templates of one stack. Each
// experiment is optional: nil means its template is not created.
type ExperimentsArgs struct {
	// Namer names everything and gives the region and account.
	Namer naming.Namer
	// LogsKmsKeyArn encrypts the experiments' log group (the logs key,
	// whose policy admits CloudWatch Logs).
	LogsKmsKeyArn pulumi.StringInput
	// LogRetentionDays keeps the experiment log; at least 365.
	LogRetentionDays int
	// PermissionBoundaryArn bounds the experiment role, like every role
	// the platform makes.
	PermissionBoundaryArn pulumi.StringInput
	// ClusterName is the EKS cluster the pod, node and AZ experiments
	// act on; its instances carry it in the eks:cluster-name tag.
	ClusterName pulumi.StringInput

	// DependsOn: the namespace the pod experiment's Kubernetes objects
	// live in (the baseline's).
	DependsOn []pulumi.Resource

	PodDeletion      *PodDeletion
	NodeTermination  *NodeTermination
	DatabaseFailover *DatabaseFailover
	CacheFailover    *CacheFailover
	AZImpairment     *AZImpairment
}

// PodDeletion deletes pods of one workload (aws:eks:pod-delete).
type PodDeletion struct {
	// Namespace and Selector (a label selector such as
	// app.kubernetes.io/name=mita-backend) pick the pods.
	Namespace, Selector string
	// Count or Percent of the selected pods to delete, not both; neither
	// deletes one pod.
	Count, Percent int
	// FISPodImage, when set, is the image of the pod FIS runs in the
	// namespace (fisPodContainerImage): a copy in the platform's registry
	// for namespaces whose admission policy admits no other. Empty uses
	// the image FIS provides.
	FISPodImage string
	// StopAlarmArns stop the experiment when one goes into ALARM.
	StopAlarmArns []pulumi.StringInput
}

// NodeTermination terminates a share of the instances of EKS managed node
// groups (aws:eks:terminate-nodegroup-instances).
type NodeTermination struct {
	NodeGroupArns []pulumi.StringInput
	// Percent of each group's instances, 1 to 100; 0 means
	// DefaultNodePercent.
	Percent       int
	StopAlarmArns []pulumi.StringInput
}

// DatabaseFailover reboots the PostgreSQL primary with a forced Multi-AZ
// failover (aws:rds:reboot-db-instances).
type DatabaseFailover struct {
	InstanceArn   pulumi.StringInput
	StopAlarmArns []pulumi.StringInput
}

// CacheFailover cuts power to the Redis nodes in one AZ
// (aws:elasticache:replicationgroup-interrupt-az-power); when the primary
// is there, ElastiCache promotes the replica with the least lag.
type CacheFailover struct {
	ReplicationGroupArn pulumi.StringInput
	// AZ (us-east-1a) holds the nodes that lose power: the primary's AZ
	// to test failover. The action's target requires it.
	AZ string
	// Duration of the power loss (ISO 8601, PT1M to PT12H); empty means
	// DefaultDuration.
	Duration      string
	StopAlarmArns []pulumi.StringInput
}

// AZImpairment approximates the loss of one Availability Zone for the
// cluster: its nodes there stop and its private subnets there are cut off.
type AZImpairment struct {
	// AZ is the zone's name (us-east-1a), in the namer's region.
	AZ string
	// VpcID is the VPC whose subnets are cut off.
	VpcID pulumi.StringInput
	// SubnetTags select the subnets to cut off within the AZ and the VPC;
	// nil means the private tier ({"tier": "private"}), where the nodes
	// and pods are.
	SubnetTags map[string]string
	// NodeVolumeKmsKeyArn encrypts the nodes' volumes: FIS needs a grant
	// on it to start the stopped nodes again.
	NodeVolumeKmsKeyArn pulumi.StringInput
	// Duration of the impairment (ISO 8601, PT1M to PT12H); empty means
	// DefaultDuration.
	Duration      string
	StopAlarmArns []pulumi.StringInput
}

func (p PodDeletion) selectionMode() string {
	if p.Percent > 0 {
		return fmt.Sprintf("PERCENT(%d)", p.Percent)
	}
	return fmt.Sprintf("COUNT(%d)", max(p.Count, 1))
}

func (n NodeTermination) percent() int {
	if n.Percent == 0 {
		return DefaultNodePercent
	}
	return n.Percent
}

func (c CacheFailover) duration() string { return orDefault(c.Duration) }

func (z AZImpairment) duration() string { return orDefault(z.Duration) }

func (z AZImpairment) subnetTags() map[string]string {
	if z.SubnetTags == nil {
		return map[string]string{"tier": "private"}
	}
	return z.SubnetTags
}

func orDefault(d string) string {
	if d == "" {
		return DefaultDuration
	}
	return d
}

func (a ExperimentsArgs) clusterExperiments() bool {
	return a.PodDeletion != nil || a.NodeTermination != nil || a.AZImpairment != nil
}

// isoDuration is what FIS accepts: hours, minutes and seconds.
var isoDuration = regexp.MustCompile(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$`)

// ValidDuration reports whether d is an ISO 8601 duration FIS accepts for
// an action: from one minute to 12 hours.
func ValidDuration(d string) bool {
	m := isoDuration.FindStringSubmatch(d)
	if m == nil || d == "PT" {
		return false
	}
	seconds := 0
	for i, unit := range []int{3600, 60, 1} {
		if m[i+1] != "" {
			v, err := strconv.Atoi(m[i+1])
			if err != nil {
				return false
			}
			seconds += v * unit
		}
	}
	return seconds >= 60 && seconds <= 12*3600
}

// Validate reports every problem with its field path.
func (a ExperimentsArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required: the role's trust and policy name them")
	}
	if a.LogsKmsKeyArn == nil {
		add("logsKmsKeyArn: is required: the experiment log is encrypted with the logs key")
	}
	if a.LogRetentionDays < MinLogRetentionDays {
		add("logRetentionDays: must be at least %d (the experiment log is audit evidence), got %d", MinLogRetentionDays, a.LogRetentionDays)
	}
	if a.PermissionBoundaryArn == nil {
		add("permissionBoundaryArn: is required: every role the platform makes carries the boundary")
	}
	if a.clusterExperiments() && a.ClusterName == nil {
		add("clusterName: is required by podDeletion, nodeTermination and azImpairment: name the EKS cluster they act on")
	}
	if a.PodDeletion == nil && a.NodeTermination == nil && a.DatabaseFailover == nil && a.CacheFailover == nil && a.AZImpairment == nil {
		add("experiments: enable at least one of %s, %s, %s, %s, %s", PodDeletionKey, NodeTerminationKey, DatabaseFailoverKey, CacheFailoverKey, AZImpairmentKey)
	}
	stops := func(key string, alarms []pulumi.StringInput) {
		if len(alarms) == 0 {
			add("%s.stopAlarmArns: an experiment needs a CloudWatch alarm as stop condition: give the paging alarm of the service it disrupts, so FIS stops when users notice", key)
		}
		for i, arn := range alarms {
			if arn == nil {
				add("%s.stopAlarmArns[%d]: is nil: give a CloudWatch alarm ARN", key, i)
				continue
			}
			if s, ok := arn.(pulumi.String); ok && !strings.HasPrefix(string(s), "arn:aws:cloudwatch:") {
				add("%s.stopAlarmArns[%d]: must be a CloudWatch alarm ARN (arn:aws:cloudwatch:...:alarm:...), got %q", key, i, string(s))
			}
		}
	}
	duration := func(key, d string) {
		if d != "" && !ValidDuration(d) {
			add("%s.duration: must be an ISO 8601 duration from PT1M to PT12H such as PT10M, got %q", key, d)
		}
	}
	percent := func(key string, p int) {
		if p < 0 || p > 100 {
			add("%s.percent: must be from 1 to 100, got %d", key, p)
		}
	}
	if p := a.PodDeletion; p != nil {
		k := PodDeletionKey
		if p.Namespace == "" {
			add("%s.namespace: name the namespace of the pods to delete", k)
		}
		if p.Selector == "" {
			add("%s.selector: give a label selector (app.kubernetes.io/name=...): an empty one is refused rather than matching every pod", k)
		}
		if p.Count > 0 && p.Percent > 0 {
			add("%s.count, %s.percent: give one of them, not both", k, k)
		}
		if p.Count < 0 {
			add("%s.count: must be positive, got %d", k, p.Count)
		}
		percent(k, p.Percent)
		stops(k, p.StopAlarmArns)
	}
	if n := a.NodeTermination; n != nil {
		k := NodeTerminationKey
		if len(n.NodeGroupArns) == 0 || slices.Contains(n.NodeGroupArns, nil) {
			add("%s.nodeGroupArns: name the managed node groups whose instances are terminated", k)
		}
		percent(k, n.Percent)
		stops(k, n.StopAlarmArns)
	}
	if d := a.DatabaseFailover; d != nil {
		k := DatabaseFailoverKey
		if d.InstanceArn == nil {
			add("%s.instanceArn: is required: the Multi-AZ PostgreSQL instance to fail over", k)
		}
		stops(k, d.StopAlarmArns)
	}
	if c := a.CacheFailover; c != nil {
		k := CacheFailoverKey
		if c.ReplicationGroupArn == nil {
			add("%s.replicationGroupArn: is required: the Redis replication group to fail over", k)
		}
		if c.AZ == "" {
			add("%s.az: name the AZ whose Redis nodes lose power (the primary's, to test failover)", k)
		}
		duration(k, c.Duration)
		stops(k, c.StopAlarmArns)
	}
	if z := a.AZImpairment; z != nil {
		k := AZImpairmentKey
		switch {
		case z.AZ == "":
			add("%s.az: name the Availability Zone to impair (us-east-1a)", k)
		case a.Namer.Region != "" && !strings.HasPrefix(z.AZ, a.Namer.Region):
			add("%s.az: must be a zone name in %s (such as %sa), got %q", k, a.Namer.Region, a.Namer.Region, z.AZ)
		}
		if z.VpcID == nil {
			add("%s.vpcId: is required: only the cluster's VPC's subnets are cut off", k)
		}
		if z.SubnetTags != nil && len(z.SubnetTags) == 0 {
			add("%s.subnetTags: an empty set would select every subnet of the AZ: leave it nil for the private tier", k)
		}
		if z.NodeVolumeKmsKeyArn == nil {
			add("%s.nodeVolumeKmsKeyArn: is required: FIS needs a grant on the nodes' volume key to start them again", k)
		}
		duration(k, z.Duration)
		stops(k, z.StopAlarmArns)
	}
	slices.SortFunc(errs, func(x, y error) int { return strings.Compare(x.Error(), y.Error()) })
	return errors.Join(errs...)
}

// Experiments are the experiment templates and what FIS needs to run them.
type Experiments struct {
	pulumi.ResourceState

	// RoleArn is the experiment role every template names.
	RoleArn pulumi.StringOutput
	// LogGroupName receives every experiment's log.
	LogGroupName pulumi.StringOutput
	// TemplateIDs are what `aws fis start-experiment` takes, by
	// experiment key (podDeletion, ...), for the enabled experiments.
	TemplateIDs map[string]pulumi.StringOutput
}

// NewExperiments creates the log group, the experiment role and one
// template per enabled experiment on the AWS provider (aws), and for the
// pod experiment the FIS service account and RBAC on the cluster's
// Kubernetes provider (k8s), which may be nil without it.
func NewExperiments(ctx *pulumi.Context, name string, args *ExperimentsArgs, aws, k8s pulumi.ResourceOption, opts ...pulumi.ResourceOption) (*Experiments, error) {
	if args == nil {
		args = &ExperimentsArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("chaos %s: %w", name, err)
	}
	if aws == nil || (args.PodDeletion != nil && k8s == nil) {
		return nil, fmt.Errorf("chaos %s: pass the AWS provider, and the cluster's Kubernetes provider for %s", name, PodDeletionKey)
	}
	a := *args
	c := &Experiments{TemplateIDs: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResourceV2("platform:chaos:Experiments", name, nil, c, opts...); err != nil {
		return nil, err
	}
	fail := func(err error) (*Experiments, error) { return nil, fmt.Errorf("chaos %s: %w", name, err) }
	parent := pulumi.Parent(c)
	n := a.Namer

	logGroup, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(n.Name(naming.LogGroup, "fis", "experiments")),
		KmsKeyId:        a.LogsKmsKeyArn,
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, parent, aws)
	if err != nil {
		return fail(err)
	}
	// FIS delivers its log as vended logs; the log group's resource policy
	// admits the delivery service for this log group only, so the role
	// needs no logs:PutResourcePolicy, which would let it rewrite the
	// account's log resource policies.
	delivery, err := cloudwatch.NewLogResourcePolicy(ctx, name, &cloudwatch.LogResourcePolicyArgs{
		PolicyName: pulumi.String(n.Name(naming.Generic, "fis", "log-delivery")),
		PolicyDocument: policydoc.FromOutputs(func(v []string) policydoc.Document {
			return policydoc.New(policydoc.Statement{
				Sid:       "FISLogDelivery",
				Effect:    policydoc.Allow,
				Principal: policydoc.Service("delivery.logs.amazonaws.com"),
				Action:    []string{"logs:CreateLogStream", "logs:PutLogEvents"},
				Resource:  v[0] + ":log-stream:*",
				Condition: policydoc.Conditions{
					"StringEquals": {"aws:SourceAccount": n.AccountID},
					"ArnLike":      {"aws:SourceArn": n.ARN("logs", "*")},
				},
			})
		}, logGroup.Arn),
	}, parent, aws)
	if err != nil {
		return fail(err)
	}

	role, rolePolicy, err := experimentRole(ctx, name, a, logGroup.Arn, parent, aws)
	if err != nil {
		return fail(err)
	}
	// A template is usable once its role may act and its log can be
	// delivered.
	after := pulumi.DependsOn([]pulumi.Resource{rolePolicy, delivery})

	t := templateBase{name: name, namer: n, role: role.Arn, logGroupArn: logGroup.Arn, opts: []pulumi.ResourceOption{parent, aws, after}}
	if p := a.PodDeletion; p != nil {
		if err := podIdentity(ctx, name, a, p.Namespace, role, parent, aws, k8s); err != nil {
			return fail(err)
		}
		params := fis.ExperimentTemplateActionParameterArray{
			param("kubernetesServiceAccount", ServiceAccount),
			// The pod FIS creates meets the namespace's Pod Security
			// Standard; the action works at every level.
			param("fisPodSecurityPolicy", "restricted"),
		}
		if p.FISPodImage != "" {
			params = append(params, param("fisPodContainerImage", p.FISPodImage))
		}
		if err := t.create(ctx, c, experiment{
			key: PodDeletionKey, suffix: "pod-deletion", alarms: p.StopAlarmArns,
			description: fmt.Sprintf("Hypothesis: deleting %s of the pods matching %s in %s keeps the API within its availability and latency SLOs: its other replicas serve while the Deployment replaces them.",
				strings.ToLower(p.selectionMode()), p.Selector, p.Namespace),
			action: "aws:eks:pod-delete", targetKey: "Pods", params: params,
			target: fis.ExperimentTemplateTargetArgs{
				ResourceType: pulumi.String("aws:eks:pod"),
				// Pods are found by these parameters only: FIS takes no
				// ARNs or tags for them.
				Parameters: pulumi.StringMap{
					"clusterIdentifier": a.ClusterName,
					"namespace":         pulumi.String(p.Namespace),
					"selectorType":      pulumi.String("labelSelector"),
					"selectorValue":     pulumi.String(p.Selector),
				},
				// A few pods, never the whole workload by default.
				SelectionMode: pulumi.String(p.selectionMode()),
			},
		}); err != nil {
			return fail(err)
		}
	}
	if nt := a.NodeTermination; nt != nil {
		if err := t.create(ctx, c, experiment{
			key: NodeTerminationKey, suffix: "node-termination", alarms: nt.StopAlarmArns,
			description: fmt.Sprintf("Hypothesis: terminating %d%% of the instances of each named node group keeps the API within its SLOs: pods reschedule on the remaining nodes and the node groups replace the capacity.", nt.percent()),
			action:      "aws:eks:terminate-nodegroup-instances", targetKey: "Nodegroups",
			params: fis.ExperimentTemplateActionParameterArray{param("instanceTerminationPercentage", strconv.Itoa(nt.percent()))},
			target: fis.ExperimentTemplateTargetArgs{
				ResourceType: pulumi.String("aws:eks:nodegroup"),
				ResourceArns: pulumi.StringArray(nt.NodeGroupArns),
				// Every named group; the share of each group's instances
				// is the action's percentage.
				SelectionMode: pulumi.String("ALL"),
			},
		}); err != nil {
			return fail(err)
		}
	}
	if db := a.DatabaseFailover; db != nil {
		if err := t.create(ctx, c, experiment{
			key: DatabaseFailoverKey, suffix: "database-failover", alarms: db.StopAlarmArns,
			description: "Hypothesis: a forced Multi-AZ failover of the PostgreSQL primary completes within minutes and the API stays within its SLO error budget: clients reconnect to the new primary through the same endpoint.",
			action:      "aws:rds:reboot-db-instances", targetKey: "DBInstances",
			// A reboot with failover: the standby in the other AZ takes over.
			params: fis.ExperimentTemplateActionParameterArray{param("forceFailover", "true")},
			target: fis.ExperimentTemplateTargetArgs{
				ResourceType:  pulumi.String("aws:rds:db"),
				ResourceArns:  pulumi.StringArray{db.InstanceArn},
				SelectionMode: pulumi.String("ALL"),
			},
		}); err != nil {
			return fail(err)
		}
	}
	if cf := a.CacheFailover; cf != nil {
		if err := t.create(ctx, c, experiment{
			key: CacheFailoverKey, suffix: "cache-failover", alarms: cf.StopAlarmArns,
			description: fmt.Sprintf("Hypothesis: cutting power to the Redis nodes in %s for %s promotes a replica automatically and the API stays within its SLO error budget.", cf.AZ, cf.duration()),
			action:      "aws:elasticache:replicationgroup-interrupt-az-power", targetKey: "ReplicationGroups",
			params: fis.ExperimentTemplateActionParameterArray{param("duration", cf.duration())},
			target: fis.ExperimentTemplateTargetArgs{
				ResourceType: pulumi.String("aws:elasticache:replicationgroup"),
				// By ARN, as the FIS targets guide allows for every type but
				// pods. Some reports have FIS resolve replication groups by
				// tags only: if creating the template is refused, target
				// the group's tags here instead.
				ResourceArns: pulumi.StringArray{cf.ReplicationGroupArn},
				// The target type requires the AZ whose nodes lose power.
				Parameters:    pulumi.StringMap{"availabilityZoneIdentifier": pulumi.String(cf.AZ)},
				SelectionMode: pulumi.String("ALL"),
			},
		}); err != nil {
			return fail(err)
		}
	}
	if z := a.AZImpairment; z != nil {
		if err := t.azImpairment(ctx, c, a, z); err != nil {
			return fail(err)
		}
	}
	c.RoleArn = role.Arn
	c.LogGroupName = logGroup.Name
	outputs := pulumi.Map{"roleArn": c.RoleArn, "logGroupName": c.LogGroupName}
	for k, id := range c.TemplateIDs {
		outputs[k+"TemplateId"] = id
	}
	return c, ctx.RegisterResourceOutputs(c, outputs)
}

// azImpairment creates the AZ template. It approximates the FIS console's
// "AZ Availability: Power Interruption" scenario with two of its actions,
// run together: the cluster's nodes in the AZ stop (and start again at
// the end), and the AZ's private subnets lose all connectivity. The
// scenario also pauses instance launches in the AZ, pauses EBS I/O, fails
// over RDS and ElastiCache primaries there and can start a zonal
// autoshift; here the data tier has its own templates, and the node
// groups may launch replacements into the AZ, whose subnets are cut off,
// rather than being refused capacity there.
func (t templateBase) azImpairment(ctx *pulumi.Context, c *Experiments, a ExperimentsArgs, z *AZImpairment) error {
	var subnetTags fis.ExperimentTemplateTargetResourceTagArray
	for _, k := range slices.Sorted(maps.Keys(z.subnetTags())) {
		subnetTags = append(subnetTags, fis.ExperimentTemplateTargetResourceTagArgs{Key: pulumi.String(k), Value: pulumi.String(z.subnetTags()[k])})
	}
	return t.create(ctx, c, experiment{
		key: AZImpairmentKey, suffix: "az-impairment", alarms: z.StopAlarmArns,
		description: fmt.Sprintf("Hypothesis: losing %s for %s (the cluster's nodes there stopped, its private subnets cut off) keeps the API within its SLOs: the other AZs absorb the load.", z.AZ, z.duration()),
		actions: []action{
			{
				name: "stop-nodes", id: "aws:ec2:stop-instances", targetKey: "Instances", target: "nodes",
				params: fis.ExperimentTemplateActionParameterArray{
					param("startInstancesAfterDuration", z.duration()),
					// The node groups may replace stopped nodes meanwhile;
					// that is recovery, not a failed experiment.
					param("completeIfInstancesTerminated", "true"),
				},
			},
			{
				name: "cut-subnets", id: "aws:network:disrupt-connectivity", targetKey: "Subnets", target: "subnets",
				params: fis.ExperimentTemplateActionParameterArray{param("scope", "all"), param("duration", z.duration())},
			},
		},
		targets: fis.ExperimentTemplateTargetArray{
			fis.ExperimentTemplateTargetArgs{
				Name:         pulumi.String("nodes"),
				ResourceType: pulumi.String("aws:ec2:instance"),
				// EKS tags every managed node with its cluster's name.
				ResourceTags: fis.ExperimentTemplateTargetResourceTagArray{fis.ExperimentTemplateTargetResourceTagArgs{
					Key: pulumi.String(clusterTag), Value: a.ClusterName,
				}},
				Filters: fis.ExperimentTemplateTargetFilterArray{
					fis.ExperimentTemplateTargetFilterArgs{Path: pulumi.String("Placement.AvailabilityZone"), Values: pulumi.StringArray{pulumi.String(z.AZ)}},
					fis.ExperimentTemplateTargetFilterArgs{Path: pulumi.String("State.Name"), Values: pulumi.StringArray{pulumi.String("running")}},
				},
				// An AZ loses all of its nodes, not a sample.
				SelectionMode: pulumi.String("ALL"),
			},
			fis.ExperimentTemplateTargetArgs{
				Name:         pulumi.String("subnets"),
				ResourceType: pulumi.String("aws:ec2:subnet"),
				ResourceTags: subnetTags,
				Filters: fis.ExperimentTemplateTargetFilterArray{
					fis.ExperimentTemplateTargetFilterArgs{Path: pulumi.String("AvailabilityZone"), Values: pulumi.StringArray{pulumi.String(z.AZ)}},
					fis.ExperimentTemplateTargetFilterArgs{Path: pulumi.String("VpcId"), Values: pulumi.StringArray{z.VpcID}},
				},
				SelectionMode: pulumi.String("ALL"),
			},
		},
	})
}

// clusterTag is the tag EKS puts on a managed node group's instances.
const clusterTag = "eks:cluster-name"

func param(key, value string) fis.ExperimentTemplateActionParameterArgs {
	return fis.ExperimentTemplateActionParameterArgs{Key: pulumi.String(key), Value: pulumi.String(value)}
}

// templateBase is what every template shares.
type templateBase struct {
	name              string
	namer             naming.Namer
	role, logGroupArn pulumi.StringOutput
	// opts: the parent, the AWS provider, and what a template waits for.
	opts []pulumi.ResourceOption
}

// experiment is one template: one action on one target, or several
// actions on named targets.
type experiment struct {
	key, suffix, description string
	alarms                   []pulumi.StringInput
	// One action: its id, the action's key for its target, its parameters
	// and its target (named "targets" here).
	action, targetKey string
	params            fis.ExperimentTemplateActionParameterArray
	target            fis.ExperimentTemplateTargetArgs
	// Several actions on named targets.
	actions []action
	targets fis.ExperimentTemplateTargetArray
}

type action struct {
	name, id, targetKey, target string
	params                      fis.ExperimentTemplateActionParameterArray
}

func (t templateBase) create(ctx *pulumi.Context, c *Experiments, e experiment) error {
	actions, targets := e.actions, e.targets
	if e.action != "" {
		e.target.Name = pulumi.String("targets")
		actions = []action{{name: e.suffix, id: e.action, targetKey: e.targetKey, target: "targets", params: e.params}}
		targets = fis.ExperimentTemplateTargetArray{e.target}
	}
	var fisActions fis.ExperimentTemplateActionArray
	for _, ac := range actions {
		fisActions = append(fisActions, fis.ExperimentTemplateActionArgs{
			Name:       pulumi.String(ac.name),
			ActionId:   pulumi.String(ac.id),
			Parameters: ac.params,
			Target:     &fis.ExperimentTemplateActionTargetArgs{Key: pulumi.String(ac.targetKey), Value: pulumi.String(ac.target)},
		})
	}
	var stops fis.ExperimentTemplateStopConditionArray
	for _, arn := range e.alarms {
		stops = append(stops, fis.ExperimentTemplateStopConditionArgs{Source: pulumi.String("aws:cloudwatch:alarm"), Value: arn})
	}
	tmpl, err := fis.NewExperimentTemplate(ctx, t.name+"-"+e.suffix, &fis.ExperimentTemplateArgs{
		Description:    pulumi.String(e.description),
		RoleArn:        t.role,
		Actions:        fisActions,
		Targets:        targets,
		StopConditions: stops,
		LogConfiguration: &fis.ExperimentTemplateLogConfigurationArgs{
			LogSchemaVersion: pulumi.Int(2),
			// FIS names the log group by its ARN with the :* suffix.
			CloudwatchLogsConfiguration: &fis.ExperimentTemplateLogConfigurationCloudwatchLogsConfigurationArgs{
				LogGroupArn: pulumi.Sprintf("%s:*", t.logGroupArn),
			},
		},
		ExperimentOptions: &fis.ExperimentTemplateExperimentOptionsArgs{
			AccountTargeting: pulumi.String("single-account"),
			// A target that resolves to nothing fails the experiment
			// rather than reporting a pass that tested nothing.
			EmptyTargetResolutionMode: pulumi.String("fail"),
		},
		Tags: pulumi.StringMap{
			naming.TagName:     pulumi.String(t.namer.Name(naming.Generic, "fis", e.suffix)),
			"chaos-experiment": pulumi.String(e.key),
		},
	}, t.opts...)
	if err != nil {
		return err
	}
	c.TemplateIDs[e.key] = tmpl.ID().ToStringOutput()
	return nil
}

// podIdentity makes the experiment role a Kubernetes user (FISUser)
// through an access entry with no access policy, and gives that user and
// FIS's service account, in the target namespace only, the Role the FIS
// documentation lists for the pod actions.
func podIdentity(ctx *pulumi.Context, name string, a ExperimentsArgs, namespace string, role *iam.Role, parent, aws, k8s pulumi.ResourceOption) error {
	// No access policy association: what the user may do is the
	// RoleBinding below, in one namespace.
	entry, err := eks.NewAccessEntry(ctx, name+"-fis", &eks.AccessEntryArgs{
		ClusterName:  a.ClusterName,
		PrincipalArn: role.Arn,
		Type:         pulumi.String("STANDARD"),
		UserName:     pulumi.String(FISUser),
	}, parent, aws)
	if err != nil {
		return err
	}
	meta := func(n string) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{
			Name: pulumi.String(n), Namespace: pulumi.String(namespace),
			Labels: pulumi.StringMap{"app.kubernetes.io/managed-by": pulumi.String("pulumi"), "app.kubernetes.io/part-of": pulumi.String("chaos")},
		}
	}
	sa, err := corev1.NewServiceAccount(ctx, name+"-fis", &corev1.ServiceAccountArgs{
		Metadata: meta(ServiceAccount),
		// FIS's pod calls the API server with this account's token.
		AutomountServiceAccountToken: pulumi.Bool(true),
	}, parent, k8s, pulumi.DependsOn(a.DependsOn))
	if err != nil {
		return err
	}
	rule := func(group string, resources, verbs []string) rbacv1.PolicyRuleArgs {
		return rbacv1.PolicyRuleArgs{ApiGroups: pulumi.StringArray{pulumi.String(group)}, Resources: pulumi.ToStringArray(resources), Verbs: pulumi.ToStringArray(verbs)}
	}
	k8sRole, err := rbacv1.NewRole(ctx, name+"-fis", &rbacv1.RoleArgs{
		Metadata: meta(FISUser),
		Rules: rbacv1.PolicyRuleArray{
			rule("", []string{"configmaps"}, []string{"get", "create", "patch", "delete"}),
			rule("", []string{"pods"}, []string{"create", "list", "get", "delete", "deletecollection"}),
			rule("", []string{"pods/ephemeralcontainers"}, []string{"update"}),
			rule("", []string{"pods/exec"}, []string{"create"}),
			rule("apps", []string{"deployments"}, []string{"get"}),
		},
	}, parent, k8s, pulumi.DependsOn(a.DependsOn))
	if err != nil {
		return err
	}
	_, err = rbacv1.NewRoleBinding(ctx, name+"-fis", &rbacv1.RoleBindingArgs{
		Metadata: meta(FISUser),
		Subjects: rbacv1.SubjectArray{
			rbacv1.SubjectArgs{Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(ServiceAccount), Namespace: pulumi.String(namespace)},
			rbacv1.SubjectArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("User"), Name: pulumi.String(FISUser)},
		},
		RoleRef: &rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("Role"), Name: pulumi.String(FISUser)},
	}, parent, k8s, pulumi.DependsOn([]pulumi.Resource{sa, k8sRole, entry}))
	return err
}
