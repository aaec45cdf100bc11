package region

import "strings"

// Scope is the part of the tree a caller may see. The zero Scope sees nothing;
// use All for deployment-wide access.
type Scope struct {
	all  bool
	path string
}

// All is the scope of the whole deployment.
func All() Scope { return Scope{all: true} }

// Under is the scope of the subtree rooted at the region with this path.
func Under(path string) Scope { return Scope{path: path} }

// None sees nothing.
func None() Scope { return Scope{} }

// IsAll reports whether the scope is unrestricted.
func (s Scope) IsAll() bool { return s.all }

// Path is the root path of a subtree scope ("" for All and None).
func (s Scope) Path() string { return s.path }

// Contains reports whether a region path lies inside the scope.
func (s Scope) Contains(path string) bool {
	if s.all {
		return true
	}
	return s.path != "" && strings.HasPrefix(path, s.path)
}

// Range returns the half-open byte range [lo, hi) holding every path in the
// subtree, for an indexed `path >= lo AND path < hi` scan. Paths are digits
// and '/', and '0' sorts right after '/'.
func (s Scope) Range() (lo, hi string) {
	if s.all {
		return "/", "0"
	}
	if s.path == "" {
		return "", ""
	}
	return s.path, s.path[:len(s.path)-1] + "0"
}

// Narrow returns the smaller of s and the subtree at path, or None when they
// do not overlap.
func (s Scope) Narrow(path string) Scope {
	switch {
	case s.Contains(path):
		return Under(path)
	case !s.all && strings.HasPrefix(s.path, path):
		return s
	default:
		return None()
	}
}
