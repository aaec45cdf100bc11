package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/tabular"
)

// errorReports keeps the rejected rows of recent imports for an hour so the
// uploader can download them as a file.
type errorReports struct {
	mu      sync.Mutex
	reports map[string]errorReport
}

type errorReport struct {
	userID  int64
	rows    []registry.RowError
	expires time.Time
}

func (e *errorReports) put(userID int64, rows []registry.RowError) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.reports == nil {
		e.reports = map[string]errorReport{}
	}
	for k, r := range e.reports {
		if now.After(r.expires) {
			delete(e.reports, k)
		}
	}
	e.reports[token] = errorReport{userID: userID, rows: rows, expires: now.Add(time.Hour)}
	return token
}

func (e *errorReports) get(userID int64, token string) ([]registry.RowError, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.reports[token]
	if !ok || r.userID != userID || time.Now().After(r.expires) {
		return nil, false
	}
	return r.rows, true
}

type importResponse struct {
	registry.ImportReport
	ErrorReport string `json:"error_report,omitempty"`
}

// inLanguageOf words the rejected rows of resp in the language r asks for;
// the rows are kept in English, as the checks give them.
func (s *Server) inLanguageOf(r *http.Request, resp importResponse) importResponse {
	if !wantsEnglish(r, "lang") && len(resp.Rejected) > 0 {
		resp.Rejected = s.refusals.RowErrors(resp.Rejected)
	}
	return resp
}

func (s *Server) importRegistry(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	kind, err := registry.ParseKind(r.PathValue("kind"))
	if err != nil {
		s.writeError(w, r, apperr.Field("kind", err.Error()))
		return
	}
	if !p.Can(auth.PermRegistryWrite) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "you may not change the registry"))
		return
	}
	var encoding, allOrNothing, fileName string
	// The upload goes to a temporary file: an .xlsx is a ZIP, read from its end.
	tmp, err := os.CreateTemp("", "gridgov-import-*")
	if err != nil {
		s.writeError(w, r, fmt.Errorf("import: %w", err))
		return
	}
	owned := false // true once a background job closes and removes tmp
	defer func() {
		if !owned {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var size int64
	err = readUpload(w, r, s.opts.MaxUploadBytes, map[string]*string{"encoding": &encoding, "all_or_nothing": &allOrNothing},
		func(part io.Reader, name string) error {
			fileName = name
			size, err = io.Copy(tmp, part)
			return err
		})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	enc := tabular.Encoding(encoding)
	if enc != "" && enc != tabular.Auto && enc != tabular.UTF8 && enc != tabular.GBK {
		s.writeError(w, r, apperr.Field("encoding", "must be auto, utf-8 or gbk"))
		return
	}
	read := &countingReaderAt{r: tmp}
	tr, err := tabular.Open(read, size, fileName, tabular.Options{Encoding: enc})
	if err != nil {
		s.writeError(w, r, apperr.Field("file", err.Error()))
		return
	}
	all, err := formBool(allOrNothing, "all_or_nothing")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	opts := registry.ImportOptions{AllOrNothing: all, Source: fileName}
	run := func(ctx context.Context) (importResponse, int, error) {
		defer tr.Close()
		rep, err := s.opts.Registry.Import(ctx, p, kind, tr, opts)
		if err != nil {
			return importResponse{}, 0, err
		}
		resp := importResponse{ImportReport: rep}
		if len(rep.Rejected) > 0 {
			resp.ErrorReport = s.errorReports.put(p.User.ID, rep.Rejected)
		}
		if !rep.Stored {
			return resp, http.StatusUnprocessableEntity, nil
		}
		return resp, http.StatusOK, nil
	}
	if !preferAsync(r) {
		resp, status, err := run(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Add("Vary", "Accept-Language")
		writeJSON(w, status, s.inLanguageOf(r, resp))
		return
	}
	// A large file goes on after the answer; the uploader follows the job.
	job := s.importJobs.start(p.User.ID, string(kind), fileName)
	job.size = size
	if !isZip(tmp) {
		job.read = read
	}
	opts.Progress = func(rows int) { job.rows.Store(int64(rows)) }
	owned = true
	go func() {
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		resp, _, err := run(context.WithoutCancel(r.Context()))
		if err != nil {
			prob, _ := s.problemOf(r, err)
			job.finish(nil, &prob)
			return
		}
		job.finish(&resp, nil)
	}()
	w.Header().Set("Location", "/api/v1/registry/imports/"+job.id)
	writeJSON(w, http.StatusAccepted, job.status())
}

// preferAsync reports whether the client asked to be answered before the
// work is done (RFC 7240).
func preferAsync(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, pref := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(pref), "respond-async") {
				return true
			}
		}
	}
	return false
}

func isZip(f io.ReaderAt) bool {
	head := make([]byte, 4)
	n, _ := f.ReadAt(head, 0)
	return n == 4 && string(head) == "PK\x03\x04"
}

func (s *Server) importStatus(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	job, ok := s.importJobs.get(p.User.ID, r.PathValue("id"))
	if !ok {
		s.writeError(w, r, apperr.New(apperr.NotFound, "no such import (finished imports are kept for an hour)"))
		return
	}
	st := job.status()
	if st.Result != nil {
		res := s.inLanguageOf(r, *st.Result)
		st.Result = &res
	}
	w.Header().Add("Vary", "Accept-Language")
	writeJSON(w, http.StatusOK, st)
}

func spreadsheetFormat(raw string) (tabular.Format, error) {
	switch raw {
	case "", "xlsx":
		return tabular.XLSX, nil
	case "csv":
		return tabular.CSV, nil
	}
	return "", apperr.Field("format", "must be xlsx or csv")
}

func (s *Server) importErrors(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	format, err := spreadsheetFormat(r.URL.Query().Get("format"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rows, ok := s.errorReports.get(p.User.ID, r.PathValue("token"))
	if !ok {
		s.writeError(w, r, apperr.New(apperr.NotFound, "no such error report (they are kept for an hour)"))
		return
	}
	if !wantsEnglish(r, "lang") {
		rows = s.refusals.RowErrors(rows)
	}
	w.Header().Set("Content-Type", format.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="import-errors.%s"`, format))
	w.Header().Add("Vary", "Accept-Language")
	tw, err := tabular.NewWriter(w, format)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := registry.WriteRowErrors(tw, rows); err != nil {
		s.log.Warn("write error report", "err", err)
	}
	_ = tw.Close()
}

func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.PermRegistryWrite) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "you may not change the registry"))
		return
	}
	kind, err := registry.ParseKind(r.PathValue("kind"))
	if err != nil {
		s.writeError(w, r, apperr.Field("kind", err.Error()))
		return
	}
	format, err := spreadsheetFormat(r.URL.Query().Get("format"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", format.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-template.%s"`, kind, format))
	tw, err := tabular.NewWriter(w, format)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, row := range registry.Template(kind) {
		_ = tw.Write(row)
	}
	_ = tw.Close()
}

func (s *Server) exportPersons(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	format, err := spreadsheetFormat(r.URL.Query().Get("format"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !p.Can(auth.PermRegistryRead) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "you may not read the registry"))
		return
	}
	// Buffer so that a refusal can still be a problem response.
	var buf bytes.Buffer
	tw, err := tabular.NewWriter(&buf, format)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.opts.Registry.ExportPersons(r.Context(), p, r.URL.Query().Get("region"), tw); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := tw.Close(); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", format.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="persons.%s"`, format))
	_, _ = w.Write(buf.Bytes())
}
