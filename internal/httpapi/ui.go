package httpapi

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

const uiMissingPage = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>gridgov</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>界面尚未构建 / The web UI was not built</h1>
<p>服务与 API 正常运行（<a href="/healthz">/healthz</a>）。请在源码目录运行 <code>make run</code> 以构建界面。</p>
<p>The server and its API are running (<a href="/healthz">/healthz</a>). Run <code>make run</code> in the source tree to build the console.</p>
</body></html>
`

// ui serves the built console with a fallback to index.html for client-side
// routes, or a page saying the UI was not built.
func (s *Server) ui() http.Handler {
	dist := s.opts.UI
	if dist == nil {
		return http.HandlerFunc(uiMissing)
	}
	if _, err := fs.Stat(dist, "index.html"); err != nil {
		return http.HandlerFunc(uiMissing)
	}
	files := http.FileServerFS(dist)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name != "" && name != "index.html" {
			if info, err := fs.Stat(dist, name); err == nil && !info.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					// Vite puts a content hash in every asset name.
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				files.ServeHTTP(w, r)
				return
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				http.Error(w, "cannot read file", http.StatusInternalServerError)
				return
			}
			if path.Ext(name) != "" {
				http.NotFound(w, r)
				return
			}
		}
		// Client-side routes get their app's shell, never cached so a new
		// build takes effect at once.
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, dist, shellFor(dist, name))
	})
}

// mobileApps are the apps served beside the console, each under its own
// path with its own shell.
var mobileApps = []string{"worker", "resident"}

// shellFor names the index.html of the app a client-side route belongs to.
func shellFor(dist fs.FS, name string) string {
	for _, app := range mobileApps {
		if name == app || strings.HasPrefix(name, app+"/") {
			shell := app + "/index.html"
			if _, err := fs.Stat(dist, shell); err == nil {
				return shell
			}
		}
	}
	return "index.html"
}

func uiMissing(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if r.URL.Path != "/" {
		w.WriteHeader(http.StatusNotFound)
	}
	_, _ = w.Write([]byte(uiMissingPage))
}
