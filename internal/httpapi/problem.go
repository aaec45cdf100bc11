// Package httpapi is the HTTP face of gridgov: routing, middleware, JSON in
// and out, and RFC 9457 problem responses. Handlers decode, call a domain
// service, and encode; rules live in the domain packages.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

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

// writeJSON answers with v as JSON. The body is encoded whole first: it
// goes out with its length in one write, where encoding into the response
// sent an answer of a few KiB (a report's suggestions) as chunks of the
// server's 4 KiB buffer; and a value that cannot be encoded is a 500, not
// a 200 cut short.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		slog.Default().LogAttrs(context.Background(), slog.LevelError, "encode response", slog.Any("err", err))
		writeProblem(w, Problem{Type: "/api/problems/" + string(apperr.Internal), Title: http.StatusText(http.StatusInternalServerError),
			Status: http.StatusInternalServerError, Detail: "internal error: the answer could not be encoded", Code: apperr.Internal})
		return
	}
	body = append(body, '\n')
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
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
	// The body is read whole, within the limit, so that a time the decoder
	// cannot read can be traced to its field, which its error does not name.
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return jsonError(err, limit)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if isTimeError(err) {
			if field := timeField(reflect.TypeOf(dst), data, ""); field != "" {
				return apperr.Field(field, msgRFC3339)
			}
		}
		return jsonError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.Field("body", "must hold a single JSON object and nothing after it")
	}
	return nil
}

// msgRFC3339 is the refusal of a time that is not in RFC 3339, the one form
// a time.Time reads from JSON.
const msgRFC3339 = "must be a time in RFC 3339, e.g. 2026-09-30T16:00:00+08:00"

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
		return apperr.Field(field, typeMismatch(typeErr))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json reports unknown fields only in its message.
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Field(name, "is not a known field")
	default:
		var e *apperr.Error
		if errors.As(err, &e) {
			return e
		}
		return apperr.Field("body", "cannot be read")
	}
}

// typeMismatch words a value of the wrong JSON type, or a number the
// field's type cannot hold ("number 1.5" for an integer), in JSON's terms.
func typeMismatch(e *json.UnmarshalTypeError) string {
	want := jsonType(e.Type.Kind())
	if num, ok := strings.CutPrefix(e.Value, "number "); ok {
		if want == "a number" && e.Type.Kind() != reflect.Float32 && e.Type.Kind() != reflect.Float64 {
			return fmt.Sprintf("must be a whole number within range, not %s", num)
		}
		if want == "a number" {
			return fmt.Sprintf("must be a number within range, not %s", num)
		}
		e.Value = "number"
	}
	var got string
	switch e.Value {
	case "string":
		got = "a string"
	case "number":
		got = "a number"
	case "bool":
		got = "a boolean"
	case "array":
		got = "an array"
	case "object":
		got = "an object"
	default:
		return "cannot be read"
	}
	return fmt.Sprintf("must be %s, not %s", want, got)
}

// jsonType is the JSON type a Go value of kind k reads from, with its article.
func jsonType(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	default:
		return "a number"
	}
}

// isTimeError reports an error of time.Time's UnmarshalJSON: a string not in
// RFC 3339, or a value that is no string.
func isTimeError(err error) bool {
	var pe *time.ParseError
	return errors.As(err, &pe) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON: ")
}

var timeType = reflect.TypeFor[time.Time]()

// timeField is the name of the first field of t, a struct or a pointer to
// one, to which the JSON object data gives a value a time.Time cannot read:
// "a.b" for field b of object a, with prefix "a.". It is empty when none is
// found. Fields are matched to keys as encoding/json matches them: by
// their JSON name, then regardless of case; an embedded struct's fields
// are the struct's own.
func timeField(t reflect.Type, data []byte, prefix string) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return ""
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" {
			if n := timeField(ft, data, prefix); n != "" {
				return n
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		raw, ok := keyOf(obj, name)
		switch {
		case !ok:
		case ft == timeType:
			if json.Unmarshal(raw, new(time.Time)) != nil {
				return prefix + name
			}
		case ft.Kind() == reflect.Struct:
			if n := timeField(ft, raw, prefix+name+"."); n != "" {
				return n
			}
		}
	}
	return ""
}

// keyOf is the value of key in obj, or of a key equal to it but for case.
func keyOf(obj map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	if raw, ok := obj[key]; ok {
		return raw, true
	}
	for k, raw := range obj {
		if strings.EqualFold(k, key) {
			return raw, true
		}
	}
	return nil, false
}
