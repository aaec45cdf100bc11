package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// An answer goes out whole with its length; one that cannot be encoded (a
// ratio of 0/0) is a 500 problem, not a 200 cut short.
func TestWriteJSON(t *testing.T) {
	w := httptest.NewRecorder()
	writeJSON(w, http.StatusCreated, map[string]any{"rate": 0.5, "name": "萨尔图区"})
	if w.Code != http.StatusCreated || w.Header().Get("Content-Length") != strconv.Itoa(w.Body.Len()) {
		t.Fatalf("status %d, Content-Length %q for %d bytes", w.Code, w.Header().Get("Content-Length"), w.Body.Len())
	}
	var got map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got["name"] != "萨尔图区" || got["rate"] != 0.5 {
		t.Fatalf("body %q: %v", w.Body, err)
	}

	w = httptest.NewRecorder()
	writeJSON(w, http.StatusOK, map[string]float64{"rate": math.NaN()})
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != http.StatusInternalServerError || p.Status != http.StatusInternalServerError ||
		w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, body %q (%v)", w.Code, w.Body, err)
	}
}
