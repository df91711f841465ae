// Package tests plans every stack of the platform under the mock engine
// and checks what holds for the whole stack: golden inventories, tags,
// providers, protection of stateful resources, and the dr stack's
// reference to the primary stack.
package tests

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/naming"
	"platform/internal/plan"
	"platform/stacks"
)

var update = flag.Bool("update", false, "rewrite the golden inventories in testdata/")

// projectDir is the repository root, where Pulumi.yaml lives.
const projectDir = ".."

var allStacks = []string{"production", "dr"}

// stackProgram is the program every test plans: the one main.go runs.
var stackProgram = stacks.Program

var (
	plannerOnce sync.Once
	planner     *plan.Planner
	plannerErr  error
)

// planStack plans a stack of the repository's project once per test run.
func planStack(t testing.TB, stack string) *plan.Plan {
	t.Helper()
	plannerOnce.Do(func() { planner, plannerErr = plan.NewPlanner(projectDir, stackProgram) })
	require.NoError(t, plannerErr)
	p, err := planner.Plan(stack)
	require.NoError(t, err, "plan %s", stack)
	return p
}

func TestProjectStacks(t *testing.T) {
	p, err := plan.LoadProject(projectDir)
	require.NoError(t, err)
	assert.Equal(t, allStacks, reverse(p.Stacks()), "every stack file is tested")
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

type inventoryEntry struct {
	URN    string `json:"urn"`
	Type   string `json:"type"`
	Parent string `json:"parent"`
}

// TestGoldenInventories: each stack's sorted inventory is checked in, so a
// rename or a re-parent (a replacement in production) shows in review.
// Regenerate with: go test ./tests -run TestGoldenInventories -update
func TestGoldenInventories(t *testing.T) {
	for _, stack := range allStacks {
		t.Run(stack, func(t *testing.T) {
			p := planStack(t, stack)
			var inv []inventoryEntry
			for _, r := range p.Resources {
				inv = append(inv, inventoryEntry{URN: r.URN, Type: r.Type, Parent: r.Parent})
			}
			got, err := json.MarshalIndent(inv, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			path := filepath.Join("testdata", stack+".golden.json")
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "missing golden file: run go test ./tests -run TestGoldenInventories -update")
			var golden []inventoryEntry
			require.NoError(t, json.Unmarshal(want, &golden))
			added, removed := diffInventories(golden, inv)
			assert.Empty(t, removed, "resources removed or renamed in %s (a replacement in production unless aliased)", stack)
			assert.Empty(t, added, "resources added to %s", stack)
			assert.Equal(t, string(want), string(got), "inventory of %s changed (parents or types): review, then rerun with -update", stack)
		})
	}
}

// diffInventories lists the URNs only in got (added) and only in want
// (removed), so a failing golden test says what moved in a few lines.
func diffInventories(want, got []inventoryEntry) (added, removed []string) {
	in := func(list []inventoryEntry) map[string]bool {
		m := map[string]bool{}
		for _, e := range list {
			m[e.URN] = true
		}
		return m
	}
	w, g := in(want), in(got)
	for _, e := range got {
		if !w[e.URN] {
			added = append(added, e.URN)
		}
	}
	for _, e := range want {
		if !g[e.URN] {
			removed = append(removed, e.URN)
		}
	}
	return added, removed
}

// TestEveryAWSResourceHasAnExplicitProvider: the stacks disable the default
// aws provider; the planner refuses it too, and this checks the result.
func TestEveryAWSResourceHasAnExplicitProvider(t *testing.T) {
	for _, stack := range allStacks {
		p := planStack(t, stack)
		kubernetes := 0
		for _, r := range p.Resources {
			pkg, _, _ := strings.Cut(r.Type, ":")
			if !r.Custom || (pkg != "aws" && pkg != "kubernetes") {
				continue
			}
			require.NotEmpty(t, r.Provider, "%s %s in %s has no explicit provider", r.Type, r.Name, stack)
			prov, ok := p.ByURN(r.Provider)
			require.True(t, ok, "provider %s of %s is in the plan", r.Provider, r.Name)
			assert.Equal(t, "pulumi:providers:"+pkg, prov.Type)
			if pkg == "kubernetes" {
				kubernetes++
				assert.Equal(t, "k8s", prov.Name, "every Kubernetes resource takes the cluster's provider")
			}
		}
		assert.NotZero(t, kubernetes, "%s has Kubernetes resources", stack)
	}
}

// TestDefaultProviderIsRefused: both stack files disable the default aws
// provider, and a resource that forgets its provider fails the plan the
// way it fails `pulumi preview`.
func TestDefaultProviderIsRefused(t *testing.T) {
	project, err := plan.LoadProject(projectDir)
	require.NoError(t, err)
	for _, stack := range allStacks {
		cfg, err := project.StackConfig(stack)
		require.NoError(t, err)
		disabled, err := plan.DisabledDefaultProviders(cfg)
		require.NoError(t, err)
		assert.Equal(t, []string{"aws", "kubernetes"}, disabled, "Pulumi.%s.yaml disables the default aws and kubernetes providers", stack)
	}

	_, err = plan.Run(plan.Options{
		Project: "platform", Stack: "production",
		Config: map[string]string{"pulumi:disable-default-providers": `["aws"]`},
	}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := ec2.NewVpc(ctx, "forgotten", &ec2.VpcArgs{CidrBlock: pulumi.String("10.0.0.0/16")})
		return pulumi.Map{}, err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "forgotten (aws:ec2/vpc:Vpc) uses the default aws provider, which the stack disables")
}

// TestRequiredTags: every AWS resource is tagged through its provider's
// default tags with every required key, and no resource overrides them.
func TestRequiredTags(t *testing.T) {
	required := append(append([]string{}, naming.RequiredTagKeys...), naming.TagManagedBy, naming.TagStack, naming.TagProject)
	for _, stack := range allStacks {
		t.Run(stack, func(t *testing.T) {
			p := planStack(t, stack)
			providers := p.OfType("pulumi:providers:aws")
			require.NotEmpty(t, providers)
			for _, prov := range providers {
				tags, _ := prov.Inputs["defaultTags"].(map[string]any)["tags"].(map[string]any)
				for _, k := range required {
					v, _ := tags[k].(string)
					assert.NotEmpty(t, v, "provider %s default tag %s", prov.Name, k)
				}
				assert.Equal(t, stack, tags[naming.TagStack])
				assert.Equal(t, "pulumi", tags[naming.TagManagedBy])
				assert.Equal(t, []any{"123456789012"}, prov.Inputs["allowedAccountIds"], "providers may touch only the configured account")
			}
			for _, r := range p.Resources {
				tags, ok := r.Inputs["tags"].(map[string]any)
				if !ok || !strings.HasPrefix(r.Type, "aws:") {
					continue
				}
				for _, k := range required {
					_, overridden := tags[k]
					assert.False(t, overridden, "%s %s overrides the required tag %s", r.Type, r.Name, k)
				}
			}
		})
	}
}

// statefulTypes hold data: protected under the switch and retained when
// removed from the program.
var statefulTypes = []string{"aws:kms/key:Key", "aws:s3/bucketV2:BucketV2"}

func TestStatefulResourcesAreProtected(t *testing.T) {
	for _, stack := range allStacks {
		p := planStack(t, stack)
		count := 0
		for _, typ := range statefulTypes {
			for _, r := range p.OfType(typ) {
				count++
				assert.True(t, r.Protect, "%s %s in %s is protected", typ, r.Name, stack)
				assert.True(t, r.RetainOnDelete, "%s %s in %s is retained on delete", typ, r.Name, stack)
			}
		}
		assert.NotZero(t, count, "%s has stateful resources", stack)
	}
}

func TestPrimaryStack(t *testing.T) {
	p := planStack(t, "production")
	counts := p.CountByType()
	assert.Equal(t, 2, counts["pulumi:providers:aws"], "us-east-1 and us-west-2")
	assert.Equal(t, 9, counts["aws:kms/key:Key"], "five purposes at home; data, logs, secrets and backup replica keys in DR")
	assert.Equal(t, 11, counts["aws:s3/bucketV2:BucketV2"], "data, audit, access logs and their replicas; Loki, traces, canary artifacts and scripts; the Cost and Usage exports")
	assert.Equal(t, 2, counts["aws:s3/bucketReplicationConfig:BucketReplicationConfig"], "data and audit replicate")
	assert.Equal(t, 9, counts["aws:ec2/subnet:Subnet"])
	assert.Equal(t, 3, counts["aws:ec2/natGateway:NatGateway"], "one NAT gateway per AZ in production")

	regionOf := func(r plan.Resource) string {
		prov, _ := p.ByURN(r.Provider)
		region, _ := prov.Inputs["region"].(string)
		return region
	}
	for _, name := range []string{"data-replica", "audit-replica", "replica-access-logs"} {
		b, ok := p.Named("aws:s3/bucketV2:BucketV2", name)
		require.True(t, ok, name)
		assert.Equal(t, "us-west-2", regionOf(b), "%s lives in the DR region", name)
	}
	for _, name := range []string{"data", "audit", "access-logs"} {
		b, ok := p.Named("aws:s3/bucketV2:BucketV2", name)
		require.True(t, ok, name)
		assert.Equal(t, "us-east-1", regionOf(b))
	}
	for _, az := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		for _, tier := range []string{"public", "private", "data"} {
			_, ok := p.Named("aws:ec2/subnet:Subnet", "network-"+tier+"-"+az)
			assert.True(t, ok, "%s subnet in %s", tier, az)
		}
	}
	audit, _ := p.Named("aws:s3/bucketV2:BucketV2", "audit")
	assert.Equal(t, true, audit.Inputs["objectLockEnabled"], "the audit bucket has Object Lock")
	data, _ := p.Named("aws:s3/bucketV2:BucketV2", "data")
	assert.Equal(t, "true", data.Inputs["tags"].(map[string]any)["backup"], "data buckets are selected by the backup plan")

	for k, v := range p.Outputs {
		assert.NotEqual(t, plan.Unknown, v, "output %s resolves offline", k)
	}
	for _, key := range []string{"vpcId", "privateSubnetIds", "dataSubnetIds", "dbSubnetGroupName", "cacheSubnetGroupName", "kmsKeyArns", "dataReplicaBucketName", "drRegion"} {
		assert.Contains(t, p.Outputs, key)
	}
}

func TestDRStack(t *testing.T) {
	p := planStack(t, "dr")
	ref, ok := p.Named("pulumi:pulumi:StackReference", "primary")
	require.True(t, ok)
	assert.Equal(t, "organization/platform/production", ref.Inputs["name"])
	assert.True(t, ref.Read)

	for _, prov := range p.OfType("pulumi:providers:aws") {
		assert.Equal(t, "us-west-2", prov.Inputs["region"], "the dr stack works only in its region")
	}
	assert.Equal(t, 5, p.CountByType()["aws:kms/key:Key"])
	var buckets []string
	for _, b := range p.OfType("aws:s3/bucketV2:BucketV2") {
		buckets = append(buckets, b.Name)
	}
	assert.ElementsMatch(t, []string{"loki", "traces"}, buckets, "its own log and trace stores only: the replica buckets belong to the primary stack")

	primary := planStack(t, "production")
	assert.Equal(t, primary.Outputs["dataReplicaBucketName"], p.Outputs["dataReplicaBucketName"], "served from the primary stack's plan")
	assert.Equal(t, "us-east-1", p.Outputs["primaryRegion"])
	assert.Equal(t, "us-west-2", p.Outputs["region"])

	// Aliases of the dr stack's keys must not collide with the primary
	// stack's replica keys in the same region and account.
	aliases := map[string]string{}
	for _, pl := range []*plan.Plan{primary, p} {
		for _, a := range pl.OfType("aws:kms/alias:Alias") {
			name := a.Inputs["name"].(string)
			prev, dup := aliases[name]
			assert.False(t, dup, "alias %s used by %s and %s", name, prev, a.URN)
			aliases[name] = a.URN
		}
	}
}

// TestPhysicalNamesAreUnique: no two resources of a type share a physical
// name in the same region (IAM and S3 names are global; Kubernetes names
// are per cluster) across both stacks (one account).
func TestPhysicalNamesAreUnique(t *testing.T) {
	global := func(typ string) bool {
		return strings.HasPrefix(typ, "aws:iam/") || typ == "aws:s3/bucketV2:BucketV2" || typ == "aws:route53/zone:Zone"
	}
	seen := map[string]string{}
	for _, stack := range allStacks {
		p := planStack(t, stack)
		for _, r := range p.Resources {
			name, ok := r.Inputs["name"].(string)
			if !ok {
				name, ok = r.Inputs["bucket"].(string)
			}
			if !ok || !r.Custom || r.Read || r.Type == "aws:guardduty/detectorFeature:DetectorFeature" {
				continue // detector features are named after the feature, per detector
			}
			key := r.Type + " " + name
			if strings.HasPrefix(r.Type, "kubernetes:") {
				key += " " + r.Provider // names are per cluster
			} else if !global(r.Type) {
				region := ""
				if prov, ok := p.ByURN(r.Provider); ok {
					region, _ = prov.Inputs["region"].(string)
				}
				key += " " + region
			}
			prev, dup := seen[key]
			assert.False(t, dup, "%s is used by %s and %s", key, prev, r.URN)
			seen[key] = r.URN
		}
	}
}
