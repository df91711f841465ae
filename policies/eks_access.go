package policies

import (
	"path"
	"strings"
)

// Resource types of the EKS access and add-on controls.
const (
	tEKSAddon             = "aws:eks/addon:Addon"
	tEKSAccessEntry       = "aws:eks/accessEntry:AccessEntry"
	tEKSAccessAssociation = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
	clusterAdminPolicy    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
)

func init() {
	register(
		&Policy{
			Name:        "eks-addons-pinned",
			Description: "EKS add-ons are pinned to an explicit version.",
			Severity:    Medium, Enforcement: Mandatory, Control: 75,
			Frameworks:  []string{"FSBP EKS.2", "platform success criterion (pin versions)"},
			Remediation: "Set addonVersion from config to the eksbuild release for the cluster's Kubernetes version.",
			Types:       []string{tEKSAddon},
			Resource: func(c *Check, r *Resource) {
				switch v := r.Get("addonVersion"); {
				case v.Unknown():
					c.Undecided(r, "addonVersion")
				case v.Str() == "":
					c.Fail(r, "the add-on %s is not pinned: EKS installs its default version and changes it silently", orNone(r.Get("addonName").Str()))
				}
			},
		},
		&Policy{
			Name:        "eks-cluster-admin-scoped",
			Description: "Only platform admins hold EKS cluster-admin; the cluster creator gets no standing admin.",
			Severity:    Critical, Enforcement: Mandatory, Control: 76,
			Frameworks:  []string{"kubescape C-0035", "CIS EKS 4.1.1"},
			Remediation: "Set accessConfig.bootstrapClusterCreatorAdminPermissions false and associate AmazonEKSClusterAdminPolicy only with principals named in the pack param clusterAdminPrincipals; give others admin, edit or view, scoped to namespaces.",
			Types:       []string{tEKSCluster},
			Stack: func(c *Check, s *Stack) {
				for _, cl := range s.OfType(tEKSCluster) {
					switch v := cl.Get("accessConfig", "bootstrapClusterCreatorAdminPermissions"); {
					case v.Unknown():
						c.Undecided(cl, "accessConfig.bootstrapClusterCreatorAdminPermissions")
					case !v.Present() || v.Bool():
						c.Fail(cl, "the cluster creator keeps standing cluster-admin (accessConfig.bootstrapClusterCreatorAdminPermissions is %s; AWS grants it unless false)", orNone(v.Str()))
					}
				}
				for _, a := range s.OfType(tEKSAccessAssociation) {
					policy := a.Get("policyArn")
					if policy.Unknown() {
						c.Undecided(a, "policyArn")
						continue
					}
					if policy.Str() != clusterAdminPolicy {
						continue
					}
					names, known := principalNames(s, a, 0)
					if !known {
						c.Undecided(a, "principalArn")
						continue
					}
					if !anyMatch(c.Params.ClusterAdminPrincipals, names) {
						c.Fail(a, "cluster-admin is granted to %s, which is not a platform admin (pack param clusterAdminPrincipals)", strings.Join(names, " / "))
					}
				}
			},
		},
	)
}

// principalNames are the names a principal is known by: its ARN where
// known, else the resource it comes from (followed through property
// dependencies: an access policy association takes its principal from an
// access entry, which takes it from a role), by URN and logical name.
func principalNames(s *Stack, r *Resource, depth int) ([]string, bool) {
	if v := r.Get("principalArn"); v.Present() && !v.Unknown() && v.Str() != "" {
		return []string{v.Str()}, true
	}
	if depth > 3 {
		return nil, false
	}
	var names []string
	for _, urn := range r.PropertyDependencies["principalArn"] {
		from, ok := s.ByURN(urn)
		if !ok {
			continue
		}
		if from.Type == tIAMRole {
			names = append(names, from.URN, from.Name)
			if n := from.Get("name"); !n.Unknown() && n.Str() != "" {
				names = append(names, n.Str())
			}
			continue
		}
		more, known := principalNames(s, from, depth+1)
		if !known {
			return nil, false
		}
		names = append(names, more...)
	}
	return names, len(names) > 0
}

func anyMatch(patterns, names []string) bool {
	for _, p := range patterns {
		for _, n := range names {
			if ok, _ := path.Match(p, n); ok {
				return true
			}
		}
	}
	return false
}
