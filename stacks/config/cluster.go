package config

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"platform/components/addons"
	"platform/policies"
)

// Cluster is platform:cluster: the EKS cluster of the stack.
type Cluster struct {
	// Version is the pinned Kubernetes version; it must be in standard
	// support on the day the stack is planned.
	Version string `json:"version"`
	// AmiReleaseVersion pins the nodes' EKS-optimised AMI release.
	AmiReleaseVersion string `json:"amiReleaseVersion"`
	// LogRetentionDays of the control-plane logs; default 365.
	LogRetentionDays int `json:"logRetentionDays"`
	// PublicAccessCidrs opens a public API endpoint to these networks
	// only; empty (the default) keeps the endpoint private.
	PublicAccessCidrs []string `json:"publicAccessCidrs"`
	// NodeGroups are "system" (on-demand) and "spot".
	NodeGroups map[string]NodeGroup `json:"nodeGroups"`
	// Addons pins each EKS add-on's version for Kubernetes Version.
	Addons map[string]string `json:"addons"`
	// Charts pins each Helm add-on's chart (components/addons): its
	// repository and exact version.
	Charts map[string]Chart `json:"charts"`
}

// Chart is one entry of cluster.charts.
type Chart struct {
	Repository string `json:"repository"`
	Version    string `json:"version"`
}

// NodeGroup is one entry of cluster.nodeGroups.
type NodeGroup struct {
	InstanceTypes []string `json:"instanceTypes"`
	// AmiType defaults to AL2023_ARM_64_STANDARD (Graviton).
	AmiType     string `json:"amiType"`
	MinSize     *int   `json:"minSize"`
	MaxSize     *int   `json:"maxSize"`
	DesiredSize *int   `json:"desiredSize"`
	// DiskSizeGb of the encrypted root volume; default 50.
	DiskSizeGb int `json:"diskSizeGb"`
}

// The node groups the platform runs.
const (
	SystemGroup = "system"
	SpotGroup   = "spot"
)

// ClusterAddons are the add-ons every cluster pins.
var ClusterAddons = []string{"vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns", "aws-ebs-csi-driver"}

// DefaultAmiType runs the nodes on Graviton (cheaper per vCPU).
const DefaultAmiType = "AL2023_ARM_64_STANDARD"

var kubernetesVersion = regexp.MustCompile(`^1\.[0-9]{2}$`)

// withClusterDefaults fills the unset sizes: system 3-6 nodes on
// on-demand Graviton, spot 3-30 over three instance types of one size.
func (c Cluster) withDefaults() Cluster {
	setDefault(&c.LogRetentionDays, 365)
	groups := map[string]NodeGroup{}
	for name, g := range c.NodeGroups {
		g.InstanceTypes = slices.Clone(g.InstanceTypes)
		if g.AmiType == "" {
			g.AmiType = DefaultAmiType
		}
		setDefault(&g.DiskSizeGb, 50)
		ptrDefault(&g.MinSize, 3)
		ptrDefault(&g.DesiredSize, *g.MinSize)
		ptrDefault(&g.MaxSize, max(*g.DesiredSize, 2**g.MinSize))
		groups[name] = g
	}
	c.NodeGroups = groups
	return c
}

func ptrDefault(v **int, d int) {
	if *v == nil {
		*v = &d
	}
}

// validate reports the cluster's problems with their field paths; today
// decides which versions are still in standard support.
func (c Cluster) validate(today time.Time) []error {
	var errs []error
	add := func(path, format string, args ...any) {
		errs = append(errs, fieldErr("cluster."+path, format, args...))
	}
	ends := policies.DefaultParams().KubernetesStandardSupportEnds
	switch end, known := ends[c.Version]; {
	case !kubernetesVersion.MatchString(c.Version):
		add("version", "is required: a pinned Kubernetes minor version such as 1.35, got %q", c.Version)
	case !known:
		add("version", "%s has no known end of standard support; use one of %s", c.Version, strings.Join(slices.Sorted(maps.Keys(ends)), ", "))
	default:
		if last, _ := time.Parse(time.DateOnly, end); today.After(last) {
			add("version", "%s left standard support on %s: upgrade to a supported version", c.Version, end)
		}
	}
	if c.AmiReleaseVersion == "" {
		add("amiReleaseVersion", "is required: pin the nodes' AMI release")
	}
	if !slices.Contains(logRetentionValues, c.LogRetentionDays) {
		add("logRetentionDays", "must be a CloudWatch Logs retention period, got %d", c.LogRetentionDays)
	}
	for i, cidr := range c.PublicAccessCidrs {
		p, err := netip.ParsePrefix(cidr)
		switch {
		case err != nil:
			add(fmt.Sprintf("publicAccessCidrs[%d]", i), "must be a CIDR block, got %q", cidr)
		case p.Bits() == 0:
			add(fmt.Sprintf("publicAccessCidrs[%d]", i), "%s opens the Kubernetes API to the whole internet: name the networks that need it, or leave the list empty for a private endpoint", cidr)
		}
	}
	if _, ok := c.NodeGroups[SystemGroup]; !ok {
		add("nodeGroups.system", "is required: it runs the cluster's add-ons")
	}
	for _, name := range slices.Sorted(maps.Keys(c.NodeGroups)) {
		g := c.NodeGroups[name]
		at := "nodeGroups." + name
		if name != SystemGroup && name != SpotGroup {
			add(at, "unknown node group; the groups are system and spot")
			continue
		}
		if len(g.InstanceTypes) == 0 {
			add(at+".instanceTypes", "at least one instance type")
		}
		if name == SpotGroup && len(g.InstanceTypes) < 3 {
			add(at+".instanceTypes", "a spot group needs at least 3 instance types of one size, got %d", len(g.InstanceTypes))
		}
		if !strings.HasPrefix(g.AmiType, "AL2023") {
			add(at+".amiType", "must be an AL2023 AMI type, got %q", g.AmiType)
		}
		if name == SystemGroup && *g.MinSize < MinAZs {
			add(at+".minSize", "the system group keeps at least %d nodes, one per availability zone, got %d", MinAZs, *g.MinSize)
		}
		if *g.MinSize < 0 || *g.DesiredSize < *g.MinSize || *g.MaxSize < *g.DesiredSize || *g.MaxSize < MinAZs {
			add(at, "need 0 <= minSize <= desiredSize <= maxSize and maxSize >= %d, got %d, %d, %d", MinAZs, *g.MinSize, *g.DesiredSize, *g.MaxSize)
		}
		if g.DiskSizeGb < 20 {
			add(at+".diskSizeGb", "at least 20, got %d", g.DiskSizeGb)
		}
	}
	for _, addon := range ClusterAddons {
		if c.Addons[addon] == "" {
			add("addons."+addon, "is required: pin the add-on's version for Kubernetes %s", c.Version)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Addons)) {
		if !slices.Contains(ClusterAddons, name) {
			add("addons."+name, "is not an add-on the platform manages (%s)", strings.Join(ClusterAddons, ", "))
		}
	}
	charts := map[string]addons.Chart{}
	for name, ch := range c.Charts {
		charts[name] = addons.Chart{Repository: ch.Repository, Version: ch.Version}
	}
	for _, e := range addons.ValidateCharts(charts) {
		add("charts."+e.Path, "%s", e.Message)
	}
	return errs
}
