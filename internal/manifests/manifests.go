// Package manifests owns the policy pack's view of what Argo CD applies:
// the kustomize directories under deploy/<service>/overlays/<stack>. It
// builds a directory with kustomize's own Go API (never a kustomize
// binary, so the result is the one Argo CD's kustomize produces, offline
// and without plugins, Helm or remote fetches beyond what the
// kustomization names) and turns every rendered object into the pack's
// resource model, so that `platform check --manifests DIR` judges a
// release with the same policies that judge what Pulumi deploys.
//
// An object becomes a policies.Resource whose type is the token
// pulumi-kubernetes registers for its kind (kubernetes:apps/v1:Deployment,
// kubernetes:core/v1:Service, kubernetes:argoproj.io/v1alpha1:Rollout),
// whose name is namespace/name (name alone for cluster-scoped objects),
// and whose inputs are the object itself: apiVersion, kind, metadata and
// spec at the top level, as a typed object's or a CustomResource's inputs
// are in a Pulumi plan.
package manifests

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"platform/policies"
)

// Project is the project part of the URNs of rendered objects: the pack
// config's per-stack params (keyed project/stack) never apply to them.
const Project = "manifests"

// Render builds the kustomization in dir and returns its objects in the
// order kustomize emits them (the kustomization's own order), as plain
// JSON values: numbers are float64, as in a Pulumi plan's inputs.
//
// The build is kustomize's default: files load from within each
// kustomization's root only, and plugins, exec functions and Helm charts
// are off.
func Render(dir string) ([]map[string]any, error) {
	info, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, fmt.Errorf("manifests %s: %w: name a kustomize directory (deploy/<service>/overlays/<stack>)", dir, err)
	case !info.IsDir():
		return nil, fmt.Errorf("manifests %s: not a directory: name the kustomize directory that holds the kustomization.yaml, not a file in it", dir)
	}
	if _, ok := KustomizationFile(dir); !ok {
		names := konfig.RecognizedKustomizationFileNames()
		return nil, fmt.Errorf("manifests %s: no %s or %s in the directory: name a kustomize directory (deploy/<service>/overlays/<stack>), or add a kustomization.yaml listing its resources",
			dir, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("manifests %s: %w", dir, err)
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), abs)
	if err != nil {
		return nil, fmt.Errorf("manifests %s: kustomize cannot build it: %w: fix the kustomization or the files it lists", dir, err)
	}
	var out []map[string]any
	for i, res := range m.Resources() {
		b, err := res.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("manifests %s: object %d (%s): %w", dir, i, res.CurId(), err)
		}
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, fmt.Errorf("manifests %s: object %d (%s): %w", dir, i, res.CurId(), err)
		}
		out = append(out, obj)
	}
	return out, nil
}

// KustomizationFile is the path of dir's kustomization file (any name
// kustomize recognises), and whether there is one: where a finding about
// the directory points.
func KustomizationFile(dir string) (string, bool) {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		path := filepath.Join(dir, name)
		if info, err := os.Stat(path); err == nil && !info.IsDir() {
			return path, true
		}
	}
	return "", false
}

// Type is an object's type token in the pack's resource model,
// kubernetes:<group>/<version>:<Kind>, with the core group spelled
// core/v1 as pulumi-kubernetes does.
func Type(obj map[string]any) (string, error) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if apiVersion == "" || kind == "" {
		return "", errors.New("apiVersion and kind are required")
	}
	if !strings.Contains(apiVersion, "/") {
		apiVersion = "core/" + apiVersion
	}
	return "kubernetes:" + apiVersion + ":" + kind, nil
}

// Name is an object's name in reports: namespace/name, or name for an
// object without a namespace (cluster-scoped, or one the kustomization
// leaves to Argo CD's destination namespace).
func Name(obj map[string]any) string {
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if ns, _ := meta["namespace"].(string); ns != "" {
		return ns + "/" + name
	}
	return name
}

// URN is the URN a rendered object gets: source (the directory) is its
// stack part, Project its project, so waivers match it by pattern the
// way they match a Pulumi resource.
func URN(source, typ, name string) string {
	return fmt.Sprintf("urn:pulumi:%s::%s::%s::%s", source, Project, typ, name)
}

// StackURN is the root URN findings that no object owns are reported on.
func StackURN(source string) string {
	return URN(source, "pulumi:pulumi:Stack", Project+"-"+source)
}

// Resources turns rendered objects into the pack's resources. source
// names where they come from (the directory) in URNs and errors. Every
// object needs apiVersion, kind and metadata.name; errors name each one
// that lacks them.
func Resources(source string, objs []map[string]any) ([]policies.Resource, error) {
	out := make([]policies.Resource, 0, len(objs))
	var errs []error
	for i, obj := range objs {
		typ, err := Type(obj)
		if err != nil {
			errs = append(errs, fmt.Errorf("manifests %s: object %d: %w: every manifest names its apiVersion and kind", source, i, err))
			continue
		}
		meta, _ := obj["metadata"].(map[string]any)
		if name, _ := meta["name"].(string); name == "" {
			errs = append(errs, fmt.Errorf("manifests %s: object %d (%s): metadata.name is required", source, i, typ))
			continue
		}
		name := Name(obj)
		out = append(out, policies.Resource{URN: URN(source, typ, name), Type: typ, Name: name, Inputs: obj})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Load renders dir and returns its objects as the pack's resources, named
// after dir as given (slash-separated).
func Load(dir string) ([]policies.Resource, error) {
	objs, err := Render(dir)
	if err != nil {
		return nil, err
	}
	return Resources(Source(dir), objs)
}

// Source is how a directory is named in URNs and reports: cleaned and
// slash-separated.
func Source(dir string) string { return filepath.ToSlash(filepath.Clean(dir)) }
