// Package plan is the platform's embedded mock engine. It loads Pulumi.yaml
// and Pulumi.<stack>.yaml the way the Pulumi CLI does, runs the very same
// program under the SDK's mocks (pulumi.WithMocks machinery), and records
// every registration: type, name, parent, provider, options and inputs.
// Component tests, the whole-stack tests and `platform plan` all use it,
// so what a test asserts is what the planner prints.
package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Project is what the planner needs of Pulumi.yaml.
type Project struct {
	// Name is the project name (the default config namespace).
	Name string
	// Dir holds Pulumi.yaml and the stack files.
	Dir string
	// Declared are the config keys Pulumi.yaml declares, fully qualified
	// (platform:network), with their declarations.
	Declared map[string]ConfigDecl
}

// ConfigDecl is one key of Pulumi.yaml's config block.
type ConfigDecl struct {
	// Key is the key as Pulumi.yaml spells it: the CLI's messages use it.
	Key         string     `yaml:"-"`
	Type        string     `yaml:"type"`
	Items       *ItemsDecl `yaml:"items"`
	Description string     `yaml:"description"`
	Default     any        `yaml:"default"`
	Secret      bool       `yaml:"secret"`
}

// ItemsDecl is the element type of an array key.
type ItemsDecl struct {
	Type  string     `yaml:"type"`
	Items *ItemsDecl `yaml:"items"`
}

type projectFile struct {
	Name   string               `yaml:"name"`
	Config map[string]yaml.Node `yaml:"config"`
}

type stackFile struct {
	Config map[string]any `yaml:"config"`
}

// LoadProject reads dir/Pulumi.yaml.
func LoadProject(dir string) (*Project, error) {
	path := filepath.Join(dir, "Pulumi.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read project file: %w", err)
	}
	var pf projectFile
	if err := yaml.Unmarshal(b, &pf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if pf.Name == "" {
		return nil, fmt.Errorf("%s: name is required", path)
	}
	p := &Project{Name: pf.Name, Dir: dir, Declared: map[string]ConfigDecl{}}
	for key, node := range pf.Config {
		var decl ConfigDecl
		if node.Kind == yaml.MappingNode {
			if err := node.Decode(&decl); err != nil {
				return nil, fmt.Errorf("%s: config.%s: %w", path, key, err)
			}
		} else if err := node.Decode(&decl.Default); err != nil {
			return nil, fmt.Errorf("%s: config.%s: %w", path, key, err)
		}
		decl.Key = key
		p.Declared[p.qualify(key)] = decl
	}
	return p, nil
}

// qualify puts a bare key into the project namespace, as the CLI does.
func (p *Project) qualify(key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return p.Name + ":" + key
}

// Stacks lists the stacks that have a Pulumi.<stack>.yaml in the project.
func (p *Project) Stacks() []string {
	matches, _ := filepath.Glob(filepath.Join(p.Dir, "Pulumi.*.yaml"))
	var out []string
	for _, m := range matches {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "Pulumi."), ".yaml")
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// ErrUnknownStack is returned for a stack with no Pulumi.<stack>.yaml.
var ErrUnknownStack = errors.New("unknown stack")

// StackConfig reads Pulumi.<stack>.yaml and returns the config as the CLI
// hands it to a program: fully qualified keys, string values, objects and
// arrays as JSON, and the project's declared defaults where the stack sets
// nothing. Secure (encrypted) values are refused: the platform keeps no
// secret in stack config.
func (p *Project) StackConfig(stack string) (map[string]string, error) {
	path := filepath.Join(p.Dir, "Pulumi."+stack+".yaml")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w %q: the stacks are %s", ErrUnknownStack, stack, strings.Join(p.Stacks(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("read stack file: %w", err)
	}
	var sf stackFile
	if err := yaml.Unmarshal(b, &sf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]string{}
	var errs []error
	typed := map[string]any{} // the stack's values, for the CLI's type rule
	for key, v := range sf.Config {
		qualified := p.qualify(key)
		if m, ok := v.(map[string]any); ok && m["secure"] != nil && len(m) == 1 {
			errs = append(errs, fmt.Errorf("%s: %s is a secret; the platform keeps no secret in stack config: put it in AWS Secrets Manager", path, qualified))
			continue
		}
		ns := strings.SplitN(qualified, ":", 2)[0]
		if ns == p.Name {
			if _, ok := p.Declared[qualified]; !ok {
				errs = append(errs, fmt.Errorf("%s: %s is not declared in Pulumi.yaml's config block (a typo?)", path, qualified))
				continue
			}
		}
		s, err := configString(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", path, qualified, err))
			continue
		}
		out[qualified] = s
		typed[qualified] = jsonable(v)
	}
	if len(errs) == 0 {
		if err := p.validateLikeCLI(stack, typed); err != nil {
			return nil, err
		}
	}
	for key, decl := range p.Declared {
		if _, set := out[key]; set || decl.Default == nil {
			continue
		}
		s, err := configString(decl.Default)
		if err != nil {
			errs = append(errs, fmt.Errorf("Pulumi.yaml: config.%s default: %w", key, err))
			continue
		}
		out[key] = s
	}
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// validateLikeCLI applies the Pulumi CLI's own rules to a stack's config,
// with the CLI's wording (pkg/workspace in the Pulumi CLI): every key of
// the project's namespace that Pulumi.yaml declares without a default is
// required, and a value must have the declared type. The CLI refuses a
// stack that breaks either before the program runs, so the planner does
// too.
func (p *Project) validateLikeCLI(stack string, values map[string]any) error {
	var missing []string
	for key, decl := range p.Declared {
		_, set := values[key]
		if !set && decl.Default == nil && strings.HasPrefix(key, p.Name+":") {
			missing = append(missing, decl.Key)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		noun := "value"
		if len(missing) > 1 {
			noun = "values"
		}
		return fmt.Errorf("validating stack config: Stack '%s' is missing configuration %s %s", stack, noun, quoteList(missing))
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		decl, ok := p.Declared[key]
		if !ok || decl.Type == "" {
			continue
		}
		if !validType(decl.Type, decl.Items, values[key]) {
			return fmt.Errorf("validating stack config: Stack '%s' with configuration key '%s' must be of type '%s'", stack, decl.Key, typeName(decl.Type, decl.Items))
		}
	}
	return nil
}

// quoteList spells keys as the CLI does: 'a', 'b' and 'c'.
func quoteList(keys []string) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = "'" + k + "'"
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " and " + quoted[len(quoted)-1]
}

// validType is the CLI's ValidateConfigValue over YAML-decoded values.
func validType(typ string, items *ItemsDecl, v any) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		switch x := v.(type) {
		case int:
			return true
		case float64:
			return x == float64(int64(x))
		case string:
			_, err := strconv.Atoi(x)
			return err == nil
		}
		return false
	case "boolean":
		switch x := v.(type) {
		case bool:
			return true
		case string:
			return x == "true" || x == "false"
		}
		return false
	case "object":
		_, ok := v.(map[string]any)
		return ok
	}
	list, ok := v.([]any)
	if !ok || items == nil {
		return false
	}
	for _, e := range list {
		if !validType(items.Type, items.Items, e) {
			return false
		}
	}
	return true
}

func typeName(typ string, items *ItemsDecl) string {
	if typ == "array" && items != nil {
		return "array<" + typeName(items.Type, items.Items) + ">"
	}
	return typ
}

// configString renders a YAML value the way the CLI passes config to a
// program: scalars as text, arrays and objects as JSON.
func configString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case nil:
		return "", nil
	default:
		b, err := json.Marshal(jsonable(x))
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}

// jsonable converts YAML's map[any]any (from older decoders) to JSON maps.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	case map[any]any:
		out := map[string]any{}
		for k, e := range x {
			out[fmt.Sprint(k)] = jsonable(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	}
	return v
}

// DisabledDefaultProviders reads pulumi:disable-default-providers from a
// stack's config: the packages whose default provider must not be used.
func DisabledDefaultProviders(config map[string]string) ([]string, error) {
	raw, ok := config["pulumi:disable-default-providers"]
	if !ok || raw == "" {
		return nil, nil
	}
	var pkgs []string
	if err := json.Unmarshal([]byte(raw), &pkgs); err != nil {
		return nil, fmt.Errorf("pulumi:disable-default-providers must be a list of package names: %w", err)
	}
	return pkgs, nil
}
