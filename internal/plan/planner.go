package plan

import (
	"fmt"
	"strings"
	"sync"
)

// Planner plans the stacks of one project. A StackReference to another
// stack of the same project is served from that stack's planned outputs,
// planned on demand in the same run, so the dr stack plans without a
// backend.
type Planner struct {
	Project *Project
	Program Program

	mu      sync.Mutex
	done    map[string]*Plan
	running map[string]bool
}

// NewPlanner returns a planner for the project in dir.
func NewPlanner(dir string, program Program) (*Planner, error) {
	p, err := LoadProject(dir)
	if err != nil {
		return nil, err
	}
	return &Planner{Project: p, Program: program}, nil
}

// Plan plans a stack by name (the part after Pulumi. in its file name).
func (pl *Planner) Plan(stack string) (*Plan, error) {
	pl.mu.Lock()
	if pl.done == nil {
		pl.done, pl.running = map[string]*Plan{}, map[string]bool{}
	}
	if p, ok := pl.done[stack]; ok {
		pl.mu.Unlock()
		return p, nil
	}
	if pl.running[stack] {
		pl.mu.Unlock()
		return nil, fmt.Errorf("stack %s references itself through its stack references", stack)
	}
	pl.running[stack] = true
	pl.mu.Unlock()
	defer func() {
		pl.mu.Lock()
		delete(pl.running, stack)
		pl.mu.Unlock()
	}()

	cfg, err := pl.Project.StackConfig(stack)
	if err != nil {
		return nil, err
	}
	p, err := Run(Options{
		Project: pl.Project.Name,
		Stack:   stack,
		Config:  cfg,
		Resolve: pl.resolve,
	}, pl.Program)
	if err != nil {
		return p, fmt.Errorf("stack %s: %w", stack, err)
	}
	pl.mu.Lock()
	pl.done[stack] = p
	pl.mu.Unlock()
	return p, nil
}

// resolve serves a StackReference: org/project/stack, project/stack or
// stack, of this project.
func (pl *Planner) resolve(ref string) (map[string]any, error) {
	parts := strings.Split(ref, "/")
	stack := parts[len(parts)-1]
	if len(parts) >= 2 && parts[len(parts)-2] != pl.Project.Name {
		return nil, fmt.Errorf("stack reference %q names project %q; only stacks of %q can be planned offline", ref, parts[len(parts)-2], pl.Project.Name)
	}
	p, err := pl.Plan(stack)
	if err != nil {
		return nil, fmt.Errorf("stack reference %q: %w", ref, err)
	}
	return p.Outputs, nil
}
