// Package plantest runs component code under the platform's mock engine in
// tests, with a real (mocked) AWS provider so that every child resolves a
// region and account like it does in a stack.
package plantest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"

	"platform/internal/naming"
	"platform/internal/plan"
)

// Project and Stack name the test runs.
const (
	Project = "platform"
	Stack   = "test"
)

// Run runs body under the mock engine and fails the test on error.
func Run(t testing.TB, body func(ctx *pulumi.Context) error) *plan.Plan {
	t.Helper()
	p, err := RunErr(body)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// RunErr runs body under the mock engine and returns its error, for tests
// of bad arguments.
func RunErr(body func(ctx *pulumi.Context) error) (*plan.Plan, error) {
	return plan.Run(plan.Options{Project: Project, Stack: Stack}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		return pulumi.Map{}, body(ctx)
	})
}

// Named is the planned resource of a type and logical name; the test
// fails when the plan has none.
func Named(t testing.TB, p *plan.Plan, typ, name string) plan.Resource {
	t.Helper()
	r, ok := p.Named(typ, name)
	if !ok {
		t.Fatalf("%s %s is not planned", typ, name)
	}
	return r
}

// Input returns an input of a resource by dotted path (a.b.0.c), or nil.
func Input(r plan.Resource, path ...any) any {
	var cur any = r.Inputs
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[k]
		case int:
			a, ok := cur.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			cur = a[k]
		}
	}
	return cur
}

// Account is the account id test providers allow.
const Account = "111122223333"

// Provider registers an explicit AWS provider for region, as stacks/ does,
// so a component under test resolves region and account like in a stack.
func Provider(ctx *pulumi.Context, region string) (pulumi.ResourceOption, error) {
	p, err := aws.NewProvider(ctx, "aws-"+region, &aws.ProviderArgs{
		Region:            pulumi.String(region),
		AllowedAccountIds: pulumi.StringArray{pulumi.String(Account)},
	})
	if err != nil {
		return nil, err
	}
	return pulumi.Provider(p), nil
}

// Namer is the namer component tests use.
func Namer(region string) naming.Namer {
	return naming.Namer{Project: Project, Environment: "production", Region: region, AccountID: Account}
}

// RunWithProvider plans body with an explicit AWS provider for region,
// which body passes to the component under test.
func RunWithProvider(t testing.TB, region string, body func(ctx *pulumi.Context, provider pulumi.ResourceOption) error) *plan.Plan {
	t.Helper()
	return Run(t, func(ctx *pulumi.Context) error {
		prov, err := Provider(ctx, region)
		if err != nil {
			return err
		}
		return body(ctx, prov)
	})
}

// RunWithKubernetes plans body with an explicit Kubernetes provider named
// k8s, as stacks/ creates for the cluster, which body passes to the
// component under test.
func RunWithKubernetes(t testing.TB, body func(ctx *pulumi.Context, provider pulumi.ResourceOption) error) *plan.Plan {
	t.Helper()
	return Run(t, func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		return body(ctx, pulumi.Provider(k8s))
	})
}

// ExpectInvalid asserts that body fails with an error containing each of
// want and registers nothing: bad arguments never reach AWS.
func ExpectInvalid(t testing.TB, body func(ctx *pulumi.Context) error, want ...string) {
	t.Helper()
	p, err := RunErr(body)
	if err == nil {
		t.Fatalf("expected an error containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if len(p.Resources) > 0 {
		t.Errorf("bad arguments registered %d resources", len(p.Resources))
	}
}

// Tool is the path of a real tool the test drives (promtool, amtool),
// from the environment variable env that a make target sets. Without it
// the test is skipped, or fails when PLATFORM_RULES_REQUIRE is set (the
// make target sets that too, so a missing tool never passes silently).
func Tool(t testing.TB, env, target string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		if os.Getenv("PLATFORM_RULES_REQUIRE") != "" {
			t.Fatalf("%s is not set: run %s", env, target)
		}
		t.Skipf("%s is not set: %s builds the tool and runs this", env, target)
	}
	return path
}

// RunWithProviders plans body with both explicit providers a component
// that spans AWS and the cluster takes: AWS for region, and the
// Kubernetes provider named k8s.
func RunWithProviders(t testing.TB, region string, body func(ctx *pulumi.Context, aws, k8s pulumi.ResourceOption) error) *plan.Plan {
	t.Helper()
	return RunWithKubernetes(t, func(ctx *pulumi.Context, k8s pulumi.ResourceOption) error {
		aws, err := Provider(ctx, region)
		if err != nil {
			return err
		}
		return body(ctx, aws, k8s)
	})
}

// AssertProviders checks that every Kubernetes resource of p takes the
// cluster's provider (k8s) and every AWS resource the provider of region,
// as RunWithProviders registers them.
func AssertProviders(t testing.TB, p *plan.Plan, region string) {
	t.Helper()
	for _, r := range p.Resources {
		switch {
		case strings.HasPrefix(r.Type, "kubernetes:") && r.Custom:
			assert.Contains(t, r.Provider, "pulumi:providers:kubernetes::k8s", "%s takes the cluster's provider", r.Name)
		case strings.HasPrefix(r.Type, "aws:"):
			assert.Contains(t, r.Provider, "pulumi:providers:aws::aws-"+region, "%s takes the stack's provider", r.Name)
		}
	}
}

// PythonTests runs a Python test module of the package's directory with
// python3 -m unittest (a component's Lambda code): skipped without
// python3, unless PLATFORM_RULES_REQUIRE says the run must have it.
func PythonTests(t testing.TB, module string) {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("PLATFORM_RULES_REQUIRE") != "" {
			t.Fatal("python3 is missing: apt-get install python3")
		}
		t.Skip("python3 is missing")
	}
	out, err := exec.Command(python, "-m", "unittest", "-v", module).CombinedOutput()
	if err != nil {
		t.Fatalf("python3 -m unittest %s: %v\n%s", module, err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}
