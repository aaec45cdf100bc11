// Package web embeds the built console (web/dist) into the gridgov binary.
package web

import (
	"embed"
	"io/fs"
)

// The placeholder dist/.gitkeep keeps this pattern valid in a fresh clone
// where the UI has not been built yet.
//
//go:embed all:dist
var dist embed.FS

// Dist returns the built console, or nil when it was not built.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return sub
}
