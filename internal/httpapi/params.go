package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
)

// intParam parses an optional non-negative integer query parameter.
func intParam(raw string, def int, name string, fs *apperr.Fields) int {
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		fs.Add(name, fmt.Sprintf("must be a non-negative integer, got %q", raw))
		return def
	}
	return n
}

// pathID parses a positive integer path value.
func pathID(r *http.Request, name string) (int64, error) {
	raw := r.PathValue(name)
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.Field(name, "must be a positive integer")
	}
	return n, nil
}
