package server

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed assets
var assetFS embed.FS

// assets serves the embedded static files under content-hashed URLs (/assets/app.3f2a1b9c.css), so a
// browser may cache them forever and a new release is fetched at once.
type assets struct {
	byName map[string]string // "app.css" -> "/assets/app.3f2a1b9c.css"
	byURL  map[string]asset  // the reverse, with the content
}

type asset struct {
	name string
	data []byte
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]string{}, byURL: map[string]asset{}}
	err := fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "LICENSE") {
			return err
		}
		data, err := assetFS.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read asset %s: %w", p, err)
		}
		sum := sha256.Sum256(data)
		name := strings.TrimPrefix(p, "assets/")
		ext := path.Ext(name)
		// echarts.min.js -> echarts.min.<hash>.js
		url := "/assets/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		a.byName[name] = url
		a.byURL[url] = asset{name: name, data: data}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, required := range []string{"app.css", "app.js", "vendor/htmx.min.js", "vendor/echarts.min.js"} {
		if _, ok := a.byName[required]; !ok {
			return nil, fmt.Errorf("asset %s is missing (run scripts/build-assets.sh)", required)
		}
	}
	return a, nil
}

// url returns the hashed URL of an asset; templates call it as {{asset "app.css"}}. An unknown name is
// a template bug, caught when the page is first rendered in tests.
func (a *assets) url(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("no asset %q", name)
	}
	return u, nil
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(f.name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(f.data)
}
