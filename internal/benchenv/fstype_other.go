//go:build !linux

package benchenv

// FSType names the file system holding dir; only Linux is known.
func FSType(dir string) string { return "unknown" }
