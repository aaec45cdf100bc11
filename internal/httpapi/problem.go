// Package httpapi is the HTTP face of gridgov: routing, middleware, JSON in
// and out, and RFC 9457 problem responses. Handlers decode, call a domain
// service, and encode; rules live in the domain packages.
package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:      http.StatusBadRequest,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.RateLimited:  http.StatusTooManyRequests,
	apperr.OTPRequired:  http.StatusUnauthorized,
	apperr.Internal:     http.StatusInternalServerError,
	apperr.Unavailable:  http.StatusServiceUnavailable,
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail,omitempty"`
	Code   apperr.Code         `json:"code"`
	Errors []apperr.FieldError `json:"errors,omitempty"`
}

// writeError answers with the problem for err.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p, retryAfter := s.problemOf(r, err)
	w.Header().Add("Vary", "Accept-Language")
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	writeProblem(w, p)
}

// problemOf is the problem for err, its detail and field messages in
// Chinese when r asks for Chinese. Only internal errors are logged with
// their detail; callers see a safe message.
func (s *Server) problemOf(r *http.Request, err error) (Problem, int) {
	e, ok := apperr.As(err)
	if !ok {
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", requestID(r.Context())), slog.String("route", r.Pattern), slog.Any("err", err))
		e = &apperr.Error{Code: apperr.Internal, Message: "internal error; the request id is " + requestID(r.Context())}
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := Problem{
		Type: "/api/problems/" + string(e.Code), Title: http.StatusText(status), Status: status,
		Detail: e.Message, Code: e.Code, Errors: e.Fields,
	}
	if wantsChinese(r) {
		p = s.inChinese(p)
	}
	return p, e.RetryAfterSeconds
}

// inChinese words p's detail and field messages in Chinese where the
// catalog knows them; the others stay in English. The fields are copied:
// they belong to the error, which its maker may still hold.
func (s *Server) inChinese(p Problem) Problem {
	p.Detail = s.refusals.Chinese(p.Detail)
	if p.Errors != nil {
		fields := make([]apperr.FieldError, len(p.Errors))
		for i, f := range p.Errors {
			fields[i] = apperr.FieldError{Field: f.Field, Reason: s.refusals.Chinese(f.Reason)}
		}
		p.Errors = fields
	}
	return p
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeJSON reads exactly one JSON object into dst, refusing unknown fields,
// wrong types, oversized and malformed bodies with a field-naming error.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return apperr.Field("Content-Type", "must be application/json")
		}
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.Field("body", "must hold a single JSON object and nothing after it")
	}
	return nil
}

func jsonError(err error, limit int64) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return apperr.Field("body", "is empty; send a JSON object")
	case errors.As(err, &tooBig):
		return apperr.Field("body", fmt.Sprintf("is larger than %d bytes", limit))
	case errors.As(err, &syntax):
		return apperr.Field("body", fmt.Sprintf("is not valid JSON (at byte %d)", syntax.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Field("body", "is not valid JSON (it ends too early)")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return apperr.Field("body", "must be a JSON object")
		}
		return apperr.Field(field, fmt.Sprintf("must be a %s, not a %s", jsonType(typeErr.Type.Kind().String()), typeErr.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json reports unknown fields only in its message.
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Field(name, "is not a known field")
	default:
		var e *apperr.Error
		if errors.As(err, &e) {
			return e
		}
		return apperr.Field("body", "cannot be read: "+err.Error())
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	default:
		return "number"
	}
}
