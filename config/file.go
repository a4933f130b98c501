package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// applyYAML decodes a config file strictly: every key must be a known
// setting, appear once and carry the right shape. It walks the node tree
// itself (rather than KnownFields) so that each error names the file, the
// line and the key path in one stable format.
func applyYAML(path string, data []byte, set []*setting, origins map[string]origin) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file
		}
		return fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return fmt.Errorf("%s: line %d: only one YAML document is allowed", path, extra.Line)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil
		}
		root = root.Content[0]
	}
	root, err := deref(root)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if isNull(root) {
		return nil // a file holding only "~" or comments
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: line %d: want a mapping of settings at the top level, got %s", path, root.Line, kindName(root))
	}

	byKey := make(map[string]*setting, len(set))
	keys := make([]string, 0, len(set))
	for _, s := range set {
		if s.key != "" {
			byKey[s.key] = s
			keys = append(keys, s.key)
		}
	}
	var errs []error
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			errs = append(errs, fmt.Errorf("%s: line %d: keys must be setting names, got %s", path, k.Line, kindName(k)))
			continue
		}
		name := k.Value
		where := fmt.Sprintf("%s: line %d: ", path, k.Line)
		if first, dup := seen[name]; dup {
			errs = append(errs, fmt.Errorf("%sduplicate key %q (first at line %d)", where, name, first))
			continue
		}
		seen[name] = k.Line
		s := byKey[name]
		if s == nil {
			if hint := suggest(name, keys); hint != "" {
				errs = append(errs, fmt.Errorf("%sunknown key %q (did you mean %q?)", where, name, hint))
			} else {
				errs = append(errs, fmt.Errorf("%sunknown key %q", where, name))
			}
			continue
		}
		v, err := deref(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s%s: %w", where, name, err))
			continue
		}
		if isNull(v) {
			continue // "key:" with no value counts as unset
		}
		if s.isList() {
			if err := applyYAMLList(path, where, s, v, origins); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if v.Kind != yaml.ScalarNode {
			errs = append(errs, fmt.Errorf("%s%s: want a single value, got %s", where, name, kindName(v)))
			continue
		}
		if err := s.set(v.Value); err != nil {
			errs = append(errs, fmt.Errorf("%s%s: %w", where, name, err))
			continue
		}
		record(origins, s, where+name, nil)
	}
	return errors.Join(errs...)
}

// applyYAMLList reads a sequence of scalars, labelling each item by its line.
func applyYAMLList(path, where string, s *setting, v *yaml.Node, origins map[string]origin) error {
	if v.Kind != yaml.SequenceNode {
		return fmt.Errorf("%s%s: want a list, got %s", where, s.key, kindName(v))
	}
	var items, labels []string // nil for an empty list, like the other sources
	var errs []error
	for i, it := range v.Content {
		it, err := deref(it)
		label := fmt.Sprintf("%s: line %d: %s[%d]", path, it.Line, s.key, i)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", label, err))
		case it.Kind != yaml.ScalarNode || isNull(it):
			errs = append(errs, fmt.Errorf("%s: want a URL, got %s", label, kindName(it)))
		default:
			items = append(items, it.Value)
			labels = append(labels, label)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	*s.ptr.(*[]string) = items
	record(origins, s, where+s.key, labels)
	return nil
}

// deref follows an alias to its anchored node. Only one hop is possible in
// YAML, so there is no expansion to bound.
func deref(n *yaml.Node) (*yaml.Node, error) {
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil || n.Alias.Kind == yaml.AliasNode {
			return n, fmt.Errorf("unresolvable alias *%s", n.Value)
		}
		return n.Alias, nil
	}
	return n, nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindName describes a node's shape for error messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// YAML renders the configuration as a config file Load would accept (every
// setting, in flag order). Call it on Masked() before showing it to anyone.
func (c *Config) YAML() ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	for _, s := range c.settings() {
		if s.key == "" {
			continue
		}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.key}, valueNode(s.value()))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func valueNode(v any) *yaml.Node {
	switch v := v.(type) {
	case []string:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		if len(v) == 0 {
			n.Style = yaml.FlowStyle
		}
		for _, s := range v {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s})
		}
		return n
	case int, int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(v)}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v)}
}
