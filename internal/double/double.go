// Package double is the test-double provider of the real-engine tests
// (tests/e2e): a gRPC resource provider that the Pulumi CLI loads as
// `pulumi-resource-aws` (and `pulumi-resource-kubernetes`, which shares
// the diff and preview behaviour and computes nothing) and that behaves
// like the real one where a preview or an update depends on it, without
// talking to AWS or a cluster:
//
//   - Check returns the inputs; Diff compares old and new inputs, reports
//     the changed properties and asks for a replacement when one of them
//     is a property on which the AWS provider replaces the resource
//     (awsmodel.ReplaceOn), so a change that would replace a database
//     shows as a replacement, as it would in production;
//   - during a preview, the attributes AWS computes are unknown; Create
//     and Update fill them from awsmodel.Outputs, the code the offline
//     mock engine uses, so there is one model of what AWS returns.
//
// It keeps no state of its own: the engine's state is the only record.
package double

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"platform/internal/awsmodel"
)

// Versions are the provider versions the double reports, per package:
// the pinned SDKs', which are the versions the program asks the engine
// for.
var Versions = map[string]string{"aws": "6.83.4", "kubernetes": "4.30.0"}

// Version is the aws double's version.
var Version = Versions["aws"]

// Provider implements pulumirpc.ResourceProviderServer.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	pkg     string
	mu      sync.Mutex
	region  string
	account string
}

// New returns an unconfigured aws provider.
func New() *Provider { return ForPackage("aws") }

// ForPackage returns an unconfigured provider of a package in Versions
// (aws, kubernetes); nil for any other.
func ForPackage(pkg string) *Provider {
	if _, ok := Versions[pkg]; !ok {
		return nil
	}
	return &Provider{pkg: pkg, account: "000000000000"}
}

var opts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, opts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, opts)
}

// GetPluginInfo reports the pinned version.
func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Versions[p.pkg]}, nil
}

// GetSchema returns a minimal schema: the program is Go and needs none.
func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: `{"name":"` + p.pkg + `","version":"` + Versions[p.pkg] + `"}`}, nil
}

// CheckConfig accepts the provider's inputs as they are.
func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig reports changed provider inputs; none replaces the provider.
func (p *Provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if req.GetOldInputs() == nil {
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	return diff("pulumi:providers:"+p.pkg, olds, olds, news), nil
}

// Configure records the region and the account the provider may touch.
func (p *Provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	region, account := "", ""
	if args := req.GetArgs(); args != nil {
		m := args.AsMap()
		region, _ = m["region"].(string)
		account = firstAccount(m["allowedAccountIds"])
	}
	if region == "" {
		region = req.GetVariables()["aws:config:region"]
	}
	if account == "" {
		account = firstAccount(req.GetVariables()["aws:config:allowedAccountIds"])
	}
	if region == "" && p.pkg == "aws" {
		return nil, fmt.Errorf("aws provider double: no region configured (the platform passes one to every provider)")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.region = region
	if account != "" {
		p.account = account
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

// firstAccount reads allowedAccountIds as a list or as the JSON text the
// engine passes for list-valued provider config.
func firstAccount(v any) string {
	if s, ok := v.(string); ok {
		var list []any
		if json.Unmarshal([]byte(s), &list) != nil {
			return ""
		}
		v = list
	}
	if list, ok := v.([]any); ok && len(list) > 0 {
		s, _ := list[0].(string)
		return s
	}
	return ""
}

func (p *Provider) location() (string, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.region, p.account
}

// Check accepts the inputs as they are (the real provider would add its
// defaults; the policies judge what the program sets).
func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// Diff compares the new inputs with the old ones, as a bridged provider
// does: a property the program set before is compared with what it set
// (computed parts of an object, such as EKS's cluster security group in
// vpcConfig, are not a change); one it sets for the first time is
// compared with the value the resource has; a property the program no
// longer sets is a change only if it was an input.
func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	if req.GetOldInputs() == nil {
		olds = state // states written before old inputs were recorded
	}
	for _, k := range req.GetIgnoreChanges() {
		delete(olds, resource.PropertyKey(k))
		delete(state, resource.PropertyKey(k))
		delete(news, resource.PropertyKey(k))
	}
	return diff(typeOf(req.GetType(), req.GetUrn()), olds, state, news), nil
}

// diff reports the top-level properties that differ and which of them
// replace a resource of type typ.
func diff(typ string, olds, state, news resource.PropertyMap) *pulumirpc.DiffResponse {
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, DetailedDiff: map[string]*pulumirpc.PropertyDiff{}, HasDetailedDiff: true}
	change := func(k resource.PropertyKey, kind pulumirpc.PropertyDiff_Kind, old, new resource.PropertyValue) {
		name := string(k)
		if awsmodel.ReplacesChange(typ, name, plainOf(old), plainOf(new), new.ContainsUnknowns()) {
			kind++ // each kind's _REPLACE variant follows it
			resp.Replaces = append(resp.Replaces, name)
		}
		resp.Diffs = append(resp.Diffs, name)
		resp.DetailedDiff[name] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	for k, n := range news {
		// A property the program set before is compared with what it set;
		// one it sets now for the first time, with the value the resource
		// has (a replica's inherited engine), so adopting a computed value
		// is no change.
		old, had := olds[k]
		if !had {
			old, had = state[k]
		}
		switch {
		case !had:
			change(k, pulumirpc.PropertyDiff_ADD, resource.NewNullProperty(), n)
		case n.ContainsUnknowns() || !old.DeepEquals(n):
			change(k, pulumirpc.PropertyDiff_UPDATE, old, n)
		}
	}
	for k, old := range olds {
		if _, kept := news[k]; !kept {
			change(k, pulumirpc.PropertyDiff_DELETE, old, resource.NewNullProperty())
		}
	}
	if len(resp.Diffs) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	sort.Strings(resp.Diffs)
	sort.Strings(resp.Replaces)
	return resp
}

// plainOf is a property value as plain Go values (secrets unwrapped: the
// double compares them, never prints them).
func plainOf(v resource.PropertyValue) any {
	if v.IsNull() || v.ContainsUnknowns() {
		return nil
	}
	return v.Mappable()
}

// Create fabricates the computed attributes; during a preview they are
// unknown and the id is empty, as the real provider leaves them.
func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	news, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	typ := typeOf(req.GetType(), req.GetUrn())
	if req.GetPreview() {
		state := news.Copy()
		awsmodel.Apply(state, awsmodel.Outputs(typ, "", "", "", news.Mappable()), true)
		props, err := marshal(state)
		return &pulumirpc.CreateResponse{Properties: props}, err
	}
	name := nameOf(req.GetName(), req.GetUrn())
	id := awsmodel.ID(name)
	props, err := marshal(p.withOutputs(typ, id, news))
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, err
}

// Update keeps the id; the computed attributes are recomputed from the new
// inputs, or kept from the old state during a preview.
func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	typ := typeOf(req.GetType(), req.GetUrn())
	if req.GetPreview() {
		olds, err := unmarshal(req.GetOlds())
		if err != nil {
			return nil, err
		}
		state := news.Copy()
		for _, k := range awsmodel.Computed(typ) {
			key := resource.PropertyKey(k)
			if _, set := state[key]; !set {
				if v, ok := olds[key]; ok {
					state[key] = v
				}
			}
		}
		props, err := marshal(state)
		return &pulumirpc.UpdateResponse{Properties: props}, err
	}
	props, err := marshal(p.withOutputs(typ, req.GetId(), news))
	return &pulumirpc.UpdateResponse{Properties: props}, err
}

func (p *Provider) withOutputs(typ, id string, inputs resource.PropertyMap) resource.PropertyMap {
	region, account := p.location()
	state := inputs.Copy()
	awsmodel.Apply(state, awsmodel.Outputs(typ, id, region, account, inputs.Mappable()), false)
	return state
}

// Read returns the state it is given: nothing drifts outside the engine.
func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// Delete succeeds: there is nothing outside the engine's state to remove.
func (p *Provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Invoke refuses: the platform plans without invokes (look-ups come from
// stack config), and the double must not hide one that creeps in.
func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return nil, fmt.Errorf("%s provider double: invoke %s is not served: take the value from stack config in stacks/", p.pkg, req.GetTok())
}

// Cancel has nothing in flight to stop.
func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func typeOf(typ, urn string) string {
	if typ != "" {
		return typ
	}
	return string(resource.URN(urn).Type())
}

func nameOf(name, urn string) string {
	if name != "" {
		return name
	}
	return resource.URN(urn).Name()
}
