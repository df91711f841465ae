// Package cluster owns the platform's container platform: an EKS control
// plane and its managed node groups, built from pulumi-aws resources (not
// pulumi-eks's remote components, whose children the offline plan and the
// policy pack could not see). Private endpoint, envelope-encrypted
// secrets, every control-plane log, API authentication with explicit
// access entries, STANDARD support, IMDSv2 launch templates with
// encrypted volumes, pinned add-ons, and Pod Identity roles bound to one
// service account each.
package cluster

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
)

// Capacity types of a node group.
const (
	OnDemand = "ON_DEMAND"
	Spot     = "SPOT"
)

// Access levels of a principal, mapped to EKS access policies.
const (
	ClusterAdmin = "cluster-admin"
	Admin        = "admin"
	Edit         = "edit"
	View         = "view"
)

// accessPolicies are the EKS access policies of each level.
var accessPolicies = map[string]string{
	ClusterAdmin: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
	Admin:        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy",
	Edit:         "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
	View:         "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
}

// RequiredAddons are the EKS add-ons every cluster runs, each pinned to a
// version in config. The first three run before the nodes join (networking
// and the Pod Identity agent), the others after (they need nodes).
var RequiredAddons = []string{"vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns", "aws-ebs-csi-driver"}

// beforeNodes are the add-ons nodes need to become ready.
var beforeNodes = []string{"vpc-cni", "kube-proxy", "eks-pod-identity-agent"}

// ControlPlaneLogTypes are all five EKS control-plane log types.
var ControlPlaneLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// NodeGroup is one managed node group.
type NodeGroup struct {
	// Name tells groups apart: "system", "spot".
	Name string
	// CapacityType is ON_DEMAND or SPOT.
	CapacityType string
	// InstanceTypes: one size; spot groups need at least three types so a
	// reclaimed pool does not empty the group.
	InstanceTypes []string
	// AmiType is an AL2023 AMI type (AL2023_ARM_64_STANDARD for Graviton).
	AmiType string
	// MinSize, MaxSize, DesiredSize bound the autoscaler; DesiredSize is
	// only the initial size (the autoscaler owns it afterwards).
	MinSize, MaxSize, DesiredSize int
	// DiskSizeGb is the encrypted gp3 root volume.
	DiskSizeGb int
	// MaxUnavailable nodes during an update.
	MaxUnavailable int
	// Labels and Taints mark what may run on the group.
	Labels map[string]string
	Taints []Taint
}

// Taint is a Kubernetes node taint.
type Taint struct {
	Key, Value string
	// Effect is NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE.
	Effect string
}

// Access gives a principal an access entry with an EKS access policy
// (Level, cluster-wide or in Namespaces), Kubernetes groups that in-cluster
// RBAC binds (Groups), or both. One entry per principal: EKS allows no
// more.
type Access struct {
	PrincipalArn pulumi.StringInput
	// Level is cluster-admin, admin, edit or view; empty for groups only.
	Level string
	// Namespaces scopes the level; empty means the whole cluster.
	Namespaces []string
	// Groups are the Kubernetes groups the principal is in (RBAC
	// subjects); EKS refuses names starting with system:.
	Groups []string
}

// ClusterArgs configure one cluster.
type ClusterArgs struct {
	Namer naming.Namer
	// Version is the pinned Kubernetes version ("1.35").
	Version string
	// VpcID and SubnetIDs: the private subnets, one per AZ.
	VpcID     pulumi.StringInput
	SubnetIDs pulumi.StringArrayInput
	// AZs are the availability zones the subnets span (at least 3).
	AZs []string
	// VpcCidr is the VPC's block: the API and the nodes talk inside it.
	VpcCidr string
	// EksKmsKeyArn encrypts secrets and node volumes; LogsKmsKeyArn the
	// control-plane log group.
	EksKmsKeyArn  pulumi.StringInput
	LogsKmsKeyArn pulumi.StringInput
	// LogRetentionDays of the control-plane logs.
	LogRetentionDays int
	// PublicAccessCidrs opens a public endpoint to these blocks only;
	// empty (the default): private endpoint only.
	PublicAccessCidrs []string
	// AmiReleaseVersion pins the nodes' AMI release.
	AmiReleaseVersion string
	// NodeGroups, at least a system group.
	NodeGroups []NodeGroup
	// Addons maps each of RequiredAddons to its pinned version.
	Addons map[string]string
	// Access lists the principals that may use the cluster.
	Access []Access
	// PermissionBoundaryArn bounds every workload role.
	PermissionBoundaryArn pulumi.StringInput
	// Protect turns on pulumi.Protect for the control plane.
	Protect bool
}

var (
	versionPattern = regexp.MustCompile(`^1\.[0-9]{2}$`)
	namePattern    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,20}$`)
	logRetention   = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
	taintEffects   = []string{"NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"}
)

// MinAZs is how many availability zones the nodes span.
const MinAZs = 3

// Validate reports every problem with its field path.
func (a ClusterArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.Region == "" || a.Namer.AccountID == "" {
		add("namer: region and account id are required")
	}
	if !versionPattern.MatchString(a.Version) {
		add("version: must be a pinned Kubernetes minor version such as 1.35, got %q", a.Version)
	}
	if a.VpcID == nil || a.SubnetIDs == nil {
		add("vpcId, subnetIds: the private subnets are required")
	}
	if len(a.AZs) < MinAZs {
		add("azs: the nodes span at least %d availability zones, got %d", MinAZs, len(a.AZs))
	}
	if _, err := netip.ParsePrefix(a.VpcCidr); err != nil {
		add("vpcCidr: must be a CIDR block, got %q", a.VpcCidr)
	}
	if a.EksKmsKeyArn == nil || a.LogsKmsKeyArn == nil {
		add("eksKmsKeyArn, logsKmsKeyArn: secrets, volumes and logs are encrypted with customer-managed keys")
	}
	if !slices.Contains(logRetention, a.LogRetentionDays) {
		add("logRetentionDays: must be a CloudWatch Logs retention period (365, 400, ...), got %d", a.LogRetentionDays)
	}
	for i, c := range a.PublicAccessCidrs {
		p, err := netip.ParsePrefix(c)
		switch {
		case err != nil:
			add("publicAccessCidrs[%d]: must be a CIDR block, got %q", i, c)
		case p.Bits() == 0:
			add("publicAccessCidrs[%d]: %s opens the API to the whole internet: name the networks that need it", i, c)
		}
	}
	if a.AmiReleaseVersion == "" {
		add("amiReleaseVersion: pin the nodes' AMI release (an unpinned group floats to the newest AMI on every update)")
	}
	if len(a.NodeGroups) == 0 {
		add("nodeGroups: at least one node group (system) is required")
	}
	seen := map[string]bool{}
	for i, g := range a.NodeGroups {
		at := fmt.Sprintf("nodeGroups[%d] (%s)", i, g.Name)
		if !namePattern.MatchString(g.Name) || seen[g.Name] {
			add("%s.name: must be unique lower-case letters, digits and hyphens", at)
		}
		seen[g.Name] = true
		switch g.CapacityType {
		case OnDemand:
		case Spot:
			if len(g.InstanceTypes) < 3 {
				add("%s.instanceTypes: a spot group needs at least 3 instance types of one size, got %d", at, len(g.InstanceTypes))
			}
			if len(g.Taints) == 0 {
				add("%s.taints: a spot group needs a taint that only interruptible workloads tolerate", at)
			}
		default:
			add("%s.capacityType: must be ON_DEMAND or SPOT, got %q", at, g.CapacityType)
		}
		if len(g.InstanceTypes) == 0 {
			add("%s.instanceTypes: at least one instance type", at)
		}
		if len(g.AmiType) < 6 || g.AmiType[:6] != "AL2023" {
			add("%s.amiType: must be an AL2023 AMI type, got %q", at, g.AmiType)
		}
		if g.Name == "system" && g.MinSize < MinAZs {
			add("%s.minSize: at least %d nodes, one per availability zone, got %d", at, MinAZs, g.MinSize)
		}
		if g.MinSize < 0 || g.MaxSize < MinAZs || g.DesiredSize < g.MinSize || g.DesiredSize > g.MaxSize {
			add("%s: need 0 <= minSize <= desiredSize <= maxSize and maxSize >= %d, got %d, %d, %d", at, MinAZs, g.MinSize, g.DesiredSize, g.MaxSize)
		}
		if g.DiskSizeGb < 20 {
			add("%s.diskSizeGb: at least 20 GiB, got %d", at, g.DiskSizeGb)
		}
		if g.MaxUnavailable < 1 || g.MaxUnavailable > g.MaxSize || (g.Name == "system" && g.MaxUnavailable >= g.MinSize) {
			add("%s.maxUnavailable: at least 1, at most maxSize, and below the system group's minSize, got %d", at, g.MaxUnavailable)
		}
		for j, t := range g.Taints {
			if t.Key == "" || !slices.Contains(taintEffects, t.Effect) {
				add("%s.taints[%d]: needs a key and an effect of %v", at, j, taintEffects)
			}
		}
	}
	if !seen["system"] {
		add("nodeGroups: a group named system runs the cluster's add-ons")
	}
	for _, name := range RequiredAddons {
		if a.Addons[name] == "" {
			add("addons.%s: pin its version (eksbuild release for Kubernetes %s)", name, a.Version)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(a.Addons)) {
		if !slices.Contains(RequiredAddons, name) {
			add("addons.%s: not an add-on the platform manages (%v)", name, RequiredAddons)
		}
	}
	for i, acc := range a.Access {
		if acc.PrincipalArn == nil {
			add("access[%d].principalArn: is required", i)
		}
		if _, ok := accessPolicies[acc.Level]; !ok && (acc.Level != "" || len(acc.Groups) == 0) {
			add("access[%d].level: must be cluster-admin, admin, edit or view (or empty with groups), got %q", i, acc.Level)
		}
		for j, g := range acc.Groups {
			if g == "" || strings.HasPrefix(g, "system:") {
				add("access[%d].groups[%d]: must be a group of the platform's, not empty or system:*, got %q", i, j, g)
			}
		}
		if acc.Level == ClusterAdmin && len(acc.Namespaces) > 0 {
			add("access[%d].namespaces: cluster-admin is cluster-wide; use admin for namespaces", i)
		}
	}
	return errors.Join(errs...)
}
