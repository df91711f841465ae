package policies

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Resource types of the network controls.
const (
	tVpc                  = "aws:ec2/vpc:Vpc"
	tFlowLog              = "aws:ec2/flowLog:FlowLog"
	tLogGroup             = "aws:cloudwatch/logGroup:LogGroup"
	tDefaultSG            = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	tSecurityGroup        = "aws:ec2/securityGroup:SecurityGroup"
	tSecurityGroupRule    = "aws:ec2/securityGroupRule:SecurityGroupRule"
	tSGIngressRule        = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tSGEgressRule         = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	tNetworkACL           = "aws:ec2/networkAcl:NetworkAcl"
	tNetworkACLRule       = "aws:ec2/networkAclRule:NetworkAclRule"
	tSubnet               = "aws:ec2/subnet:Subnet"
	tDBSubnetGroup        = "aws:rds/subnetGroup:SubnetGroup"
	tCacheSubnetGroup     = "aws:elasticache/subnetGroup:SubnetGroup"
	tEKSNodeGroup         = "aws:eks/nodeGroup:NodeGroup"
	tAutoscalingGroup     = "aws:autoscaling/group:Group"
	tRDSInstance          = "aws:rds/instance:Instance"
	tRDSCluster           = "aws:rds/cluster:Cluster"
	tCacheReplicationGrp  = "aws:elasticache/replicationGroup:ReplicationGroup"
	tEKSManagedNodeGroupC = "eks:index:ManagedNodeGroup"
)

var sgRuleTypes = []string{tSecurityGroup, tSecurityGroupRule, tSGIngressRule, tSGEgressRule}

// sgRule is one ingress or egress rule, from any of the four shapes AWS
// security group rules take in Pulumi.
type sgRule struct {
	ingress     bool
	ports       portRange
	cidrs       []string
	description Value
	unknown     bool
}

// sgRules returns the rules a security group resource or rule resource
// declares.
func sgRules(r *Resource) []sgRule {
	var out []sgRule
	inline := func(key string, ingress bool) {
		for _, e := range r.Get(key).List() {
			v := Of(e)
			from, _ := v.At("fromPort").Num()
			to, _ := v.At("toPort").Num()
			out = append(out, sgRule{
				ingress:     ingress,
				ports:       ruleRange(v.At("protocol").Str(), from, to),
				cidrs:       append(v.At("cidrBlocks").Strings(), v.At("ipv6CidrBlocks").Strings()...),
				description: v.At("description"),
				unknown:     v.ContainsUnknown(),
			})
		}
	}
	switch r.Type {
	case tSecurityGroup:
		inline("ingress", true)
		inline("egress", false)
	case tSecurityGroupRule:
		from, _ := r.Get("fromPort").Num()
		to, _ := r.Get("toPort").Num()
		out = append(out, sgRule{
			ingress:     r.Get("type").Str() == "ingress",
			ports:       ruleRange(r.Get("protocol").Str(), from, to),
			cidrs:       append(r.Get("cidrBlocks").Strings(), r.Get("ipv6CidrBlocks").Strings()...),
			description: r.Get("description"),
			unknown:     r.Get("cidrBlocks").ContainsUnknown() || r.Get("fromPort").Unknown(),
		})
	case tSGIngressRule, tSGEgressRule:
		from, _ := r.Get("fromPort").Num()
		to, _ := r.Get("toPort").Num()
		var cidrs []string
		for _, k := range []string{"cidrIpv4", "cidrIpv6"} {
			if s := r.Get(k).Str(); s != "" {
				cidrs = append(cidrs, s)
			}
		}
		out = append(out, sgRule{
			ingress:     r.Type == tSGIngressRule,
			ports:       ruleRange(r.Get("ipProtocol").Str(), from, to),
			cidrs:       cidrs,
			description: r.Get("description"),
			unknown:     r.Get("cidrIpv4").Unknown() || r.Get("fromPort").Unknown(),
		})
	}
	return out
}

// adminPorts are the remote administration ports never open to the world.
var adminPorts = []int{22, 3389}

func init() {
	register(
		&Policy{
			Name:        "vpc-flow-logs",
			Description: "Every VPC records flow logs of ALL traffic to an encrypted destination with a retention period.",
			Severity:    High, Enforcement: Mandatory, Control: 1,
			Frameworks:  []string{"CKV2_AWS_11", "AVD-AWS-0178", "FSBP EC2.6", "CIS 3.7", "PCI 10.2.1", "SOC2 CC7.2"},
			Remediation: "Add an aws.ec2.FlowLog with trafficType ALL for the VPC, delivering to a CloudWatch log group with kmsKeyId and retentionInDays (components/network does this).",
			Types:       []string{tVpc},
			Stack:       checkFlowLogs,
		},
		&Policy{
			Name:        "vpc-default-security-group-closed",
			Description: "Every VPC's default security group is adopted and stripped of all rules.",
			Severity:    High, Enforcement: Mandatory, Control: 2,
			Frameworks:  []string{"CKV2_AWS_12", "AVD-AWS-0173", "FSBP EC2.2", "CIS 5.4 (5.5)"},
			Remediation: "Add an aws.ec2.DefaultSecurityGroup for the VPC with empty ingress and egress lists.",
			Types:       []string{tVpc, tDefaultSG},
			Stack:       checkDefaultSecurityGroups,
		},
		&Policy{
			Name:        "no-public-admin-ports",
			Description: "No security group admits SSH (22) or RDP (3389) from 0.0.0.0/0 or ::/0.",
			Severity:    Critical, Enforcement: Mandatory, Control: 3,
			Frameworks:  []string{"CKV_AWS_24", "CKV_AWS_25", "AVD-AWS-0107", "SecurityHub EC2.13", "SecurityHub EC2.14", "CIS 5.2", "CIS 5.3", "PCI 1.3.1", "SOC2 CC6.6"},
			Remediation: "Remove the rule; reach instances through SSM Session Manager, or admit only named CIDRs or security groups.",
			Types:       sgRuleTypes,
			Resource: func(c *Check, r *Resource) {
				for _, rule := range sgRules(r) {
					if !rule.ingress || !anyWorld(rule.cidrs) {
						continue
					}
					for _, port := range adminPorts {
						if rule.ports.covers(port) {
							c.Fail(r, "ingress from the internet reaches port %d", port)
						}
					}
				}
			},
		},
		&Policy{
			Name:        "no-unrestricted-ingress",
			Description: "No security group admits the internet on any port but the allowed public ports (80 and 443, for internet-facing load balancers).",
			Severity:    High, Enforcement: Mandatory, Control: 4,
			Frameworks:  []string{"CKV_AWS_277", "CKV_AWS_260", "FSBP EC2.18", "FSBP EC2.19"},
			Remediation: "Narrow the rule's source to named CIDRs or security groups, or put the service behind the load balancer.",
			Types:       sgRuleTypes,
			Resource: func(c *Check, r *Resource) {
				for _, rule := range sgRules(r) {
					if !rule.ingress || !anyWorld(rule.cidrs) {
						continue
					}
					if rule.ports.all {
						c.Fail(r, "ingress from the internet on every port and protocol")
						continue
					}
					if !allowedRange(rule.ports, c.Params.AllowedPublicPorts) {
						c.Fail(r, "ingress from the internet on ports %d-%d; only %v may be public", rule.ports.from, rule.ports.to, c.Params.AllowedPublicPorts)
					}
				}
			},
		},
		&Policy{
			Name:        "nacl-no-public-admin-ports",
			Description: "No network ACL allows SSH (22) or RDP (3389) from the internet unless a lower-numbered rule denies it first.",
			Severity:    High, Enforcement: Mandatory, Control: 5,
			Frameworks:  []string{"CKV_AWS_229", "CKV_AWS_230", "CKV_AWS_231", "CKV_AWS_232", "AVD-AWS-0105", "FSBP EC2.21", "CIS 5.1"},
			Remediation: "Add deny rules for 22 and 3389 from 0.0.0.0/0 numbered below every allow rule, or narrow the allow rule.",
			Types:       []string{tNetworkACL, tNetworkACLRule},
			Stack:       checkNaclAdminPorts,
		},
		&Policy{
			Name:        "subnet-no-public-ip-on-launch",
			Description: "Subnets do not assign public IP addresses on launch; load balancers and NAT gateways get theirs explicitly.",
			Severity:    Medium, Enforcement: Mandatory, Control: 6,
			Frameworks:  []string{"CKV_AWS_130", "AVD-AWS-0164", "FSBP EC2.15"},
			Remediation: "Set mapPublicIpOnLaunch to false.",
			Types:       []string{tSubnet},
			Resource: func(c *Check, r *Resource) {
				requireNotTrue(c, r, "the subnet gives instances public IP addresses", "mapPublicIpOnLaunch")
			},
		},
		&Policy{
			Name:        "data-tier-no-unrestricted-egress",
			Description: "Security groups of databases and caches allow no egress to the internet.",
			Severity:    High, Enforcement: Mandatory, Control: 7,
			Frameworks:  []string{"CKV_AWS_382", "AVD-AWS-0104"},
			Remediation: "Remove the 0.0.0.0/0 egress rule from the data store's security group; data stores only answer.",
			Types:       []string{tRDSInstance, tRDSCluster, tCacheReplicationGrp},
			Stack:       checkDataTierEgress,
		},
		&Policy{
			Name:        "security-group-descriptions",
			Description: "Every security group and security group rule has a description.",
			Severity:    Low, Enforcement: Advisory, Control: 8,
			Frameworks:  []string{"CKV_AWS_23", "AVD-AWS-0099", "AVD-AWS-0124"},
			Remediation: "Describe what the group or rule admits and why.",
			Types:       sgRuleTypes,
			Resource: func(c *Check, r *Resource) {
				if r.Type == tSecurityGroup {
					if d := r.Get("description"); !d.Unknown() && (d.Str() == "" || d.Str() == "Managed by Pulumi") {
						c.Fail(r, "the security group has no description of its own")
					}
				}
				for i, rule := range sgRules(r) {
					if !rule.description.Unknown() && rule.description.Str() == "" {
						c.Fail(r, "rule %d has no description", i)
					}
				}
			},
		},
		&Policy{
			Name:        "multi-az-spread",
			Description: "Subnet tiers, database and cache subnet groups, and node groups span at least three availability zones.",
			Severity:    High, Enforcement: Mandatory, Control: 9,
			Frameworks:  []string{"platform success criterion", "FSBP ELB.13"},
			Remediation: "List at least three availability zones in platform:network.azs and give every tier a subnet in each.",
			Types:       []string{tSubnet, tDBSubnetGroup, tCacheSubnetGroup, tEKSNodeGroup, tAutoscalingGroup, tEKSManagedNodeGroupC},
			Stack:       checkMultiAZ,
		},
	)
}

func allowedRange(p portRange, allowed []int) bool {
	for port := p.from; port <= p.to; port++ {
		ok := false
		for _, a := range allowed {
			if a == port {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func checkFlowLogs(c *Check, s *Stack) {
	for _, vpc := range s.OfType(tVpc) {
		logs := s.Referencing(vpc, "vpcId", tFlowLog)
		if len(logs) == 0 {
			c.Missing(s, vpc, "vpcId", []string{tFlowLog}, "the VPC has no flow log")
			continue
		}
		all := false
		for _, fl := range logs {
			tt := fl.Get("trafficType")
			if tt.Unknown() {
				c.Undecided(fl, "trafficType")
				all = true
				continue
			}
			if tt.Str() == "ALL" {
				all = true
			}
			checkFlowLogDestination(c, s, fl)
		}
		if !all {
			c.Fail(vpc, "the VPC's flow logs record only %s traffic, not ALL", logs[0].Get("trafficType").Str())
		}
	}
}

// checkFlowLogDestination checks the log group a flow log writes to, when
// that group is in the stack. S3 destinations are checked by the S3
// policies.
func checkFlowLogDestination(c *Check, s *Stack, fl *Resource) {
	dest := fl.Get("logDestinationType").Str()
	if dest != "" && dest != "cloud-watch-logs" {
		return
	}
	groups := s.Targets(fl, "logDestination", tLogGroup)
	for _, g := range s.Targets(fl, "logGroupName", tLogGroup) {
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	for _, g := range groups {
		if v := g.Get("kmsKeyId"); !v.Present() {
			c.Fail(g, "the flow log group is not encrypted with a KMS key")
		}
		if v := g.Get("retentionInDays"); !v.Present() {
			c.Fail(g, "the flow log group keeps logs forever without a retention period")
		}
	}
}

func checkDefaultSecurityGroups(c *Check, s *Stack) {
	for _, vpc := range s.OfType(tVpc) {
		groups := s.Referencing(vpc, "vpcId", tDefaultSG)
		if len(groups) == 0 {
			c.Missing(s, vpc, "vpcId", []string{tDefaultSG}, "the VPC's default security group keeps its default rules (adopt it with aws.ec2.DefaultSecurityGroup)")
		}
	}
	for _, g := range s.OfType(tDefaultSG) {
		for _, key := range []string{"ingress", "egress"} {
			v := g.Get(key)
			if v.ContainsUnknown() {
				c.Undecided(g, key)
				continue
			}
			if len(v.List()) > 0 {
				c.Fail(g, "the default security group has %s rules", key)
			}
		}
	}
}

type aclRule struct {
	number int
	allow  bool
	ports  portRange
	cidr   string
}

// aclRuleFrom reads a rule from an inline NACL entry or a NetworkAclRule:
// the two shapes differ only in the names of the number and action keys.
func aclRuleFrom(v Value, numberKey, actionKey string) aclRule {
	n, _ := v.At(numberKey).Num()
	from, _ := v.At("fromPort").Num()
	to, _ := v.At("toPort").Num()
	cidr := v.At("cidrBlock").Str()
	if cidr == "" {
		cidr = v.At("ipv6CidrBlock").Str()
	}
	return aclRule{number: int(n), allow: v.At(actionKey).Str() == "allow", ports: ruleRange(v.At("protocol").Str(), from, to), cidr: cidr}
}

// ruleResource reads a NetworkAclRule resource.
func ruleResource(r *Resource) aclRule { return aclRuleFrom(Of(r.Inputs), "ruleNumber", "ruleAction") }

func aclRules(r *Resource) []aclRule {
	var out []aclRule
	for _, e := range r.Get("ingress").List() {
		out = append(out, aclRuleFrom(Of(e), "ruleNo", "action"))
	}
	return out
}

func checkNaclAdminPorts(c *Check, s *Stack) {
	for _, acl := range s.OfType(tNetworkACL) {
		rules := aclRules(acl)
		for _, r := range s.Referencing(acl, "networkAclId", tNetworkACLRule) {
			if r.Get("egress").Bool() {
				continue
			}
			rules = append(rules, ruleResource(r))
		}
		sort.Slice(rules, func(i, j int) bool { return rules[i].number < rules[j].number })
		for _, port := range adminPorts {
			for _, rule := range rules {
				if !rule.ports.covers(port) || !world(rule.cidr) {
					continue
				}
				if rule.allow {
					c.Fail(acl, "rule %d allows port %d from %s before any deny", rule.number, port, rule.cidr)
				}
				break // the first matching rule decides
			}
		}
	}
	// A lone rule resource on an ACL outside the stack cannot be ordered:
	// it fails on its own when it allows an admin port from the world.
	for _, r := range s.OfType(tNetworkACLRule) {
		inStack := len(s.Targets(r, "networkAclId", tNetworkACL)) > 0
		rule := ruleResource(r)
		if inStack || r.Get("egress").Bool() || !rule.allow || !world(rule.cidr) {
			continue
		}
		for _, port := range adminPorts {
			if rule.ports.covers(port) {
				c.Fail(r, "the rule allows port %d from the internet", port)
			}
		}
	}
}

func checkDataTierEgress(c *Check, s *Stack) {
	used := map[*Resource]bool{}
	for _, st := range s.OfType(tRDSInstance, tRDSCluster, tCacheReplicationGrp) {
		for _, prop := range []string{"vpcSecurityGroupIds", "securityGroupIds"} {
			for _, sg := range s.Targets(st, prop, tSecurityGroup) {
				used[sg] = true
			}
		}
	}
	for _, sg := range s.OfType(tSecurityGroup) {
		if !used[sg] {
			continue
		}
		rules := sgRules(sg)
		for _, r := range s.Referencing(sg, "securityGroupId", tSecurityGroupRule, tSGEgressRule) {
			rules = append(rules, sgRules(r)...)
		}
		for _, rule := range rules {
			if !rule.ingress && anyWorld(rule.cidrs) {
				c.Fail(sg, "the data store's security group allows egress to the internet")
				break
			}
		}
	}
}

func checkMultiAZ(c *Check, s *Stack) {
	min := c.Params.MinAZs
	// Subnets by VPC and tier tag.
	tiers := map[string]map[string]bool{}
	tierOwner := map[string]*Resource{}
	for _, sn := range s.OfType(tSubnet) {
		az := sn.Get("availabilityZone")
		if az.Unknown() {
			c.Undecided(sn, "availabilityZone")
			continue
		}
		tier := sn.Tags()["tier"]
		key := sn.Get("vpcId").Str() + "/" + tier
		if tiers[key] == nil {
			tiers[key] = map[string]bool{}
			tierOwner[key] = sn
		}
		tiers[key][az.Str()] = true
	}
	keys := make([]string, 0, len(tiers))
	for k := range tiers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if n := len(tiers[k]); n < min {
			tier := strings.SplitN(k, "/", 2)[1]
			if tier == "" {
				tier = "untagged"
			}
			c.Fail(tierOwner[k], "the %s subnet tier spans %d availability zones, needs %d", tier, n, min)
		}
	}
	for _, g := range s.OfType(tDBSubnetGroup, tCacheSubnetGroup, tEKSNodeGroup, tAutoscalingGroup, tEKSManagedNodeGroupC) {
		key := "subnetIds"
		if g.Type == tAutoscalingGroup {
			key = "vpcZoneIdentifiers"
		}
		v := g.Get(key)
		if !v.Present() {
			continue
		}
		if v.Unknown() {
			c.Undecided(g, key)
			continue
		}
		if n := len(v.List()); n < min {
			c.Fail(g, "%s lists %d subnets, needs one in each of %d availability zones", key, n, min)
		}
	}
}

// describe is used by messages that name a list.
func describe(list []string) string { return fmt.Sprintf("[%s]", strings.Join(list, ", ")) }
